"""Real time: MQTT topics, topic rules, WebSocket APIs."""
