"""The live dashboard's functions, written as for AWS Lambda + AWS IoT Core + API Gateway.

- ``update`` is the action of the topic rule ``telemetry``: it receives the rule's SELECT result
  (``{"temp": ..., "device": ..., "at": ...}``) and republishes it to ``dashboard/<device>`` with
  boto3's IoT data-plane client (overcast injects ``AWS_ENDPOINT_URL_IOT_DATA``).
- ``page`` serves the static page, its small MQTT client and the page's configuration (where the
  MQTT-over-WebSocket listener is).
"""

import json
import os
from pathlib import Path

import boto3

HERE = Path(__file__).parent
STATIC = {  # route key -> file next to this module, content type
    "GET /dashboard": ("index.html", "text/html; charset=utf-8"),
    "GET /dashboard/mqtt.js": ("mqtt.js", "text/javascript; charset=utf-8"),
}
iot = boto3.client("iot-data")


def update(event, context):
    device = event.get("device")
    if not device:
        return {"skipped": "no device in the event"}
    message = {"device": device, "temp": event.get("temp"), "at": event.get("at")}
    iot.publish(topic=f"dashboard/{device}", qos=1, payload=json.dumps(message).encode())
    return message


def _mqtt_ws_url():
    """The listener the browser connects to: the stack's environment, else the dev platform's own."""
    if os.environ.get("MQTT_WS_URL"):
        return os.environ["MQTT_WS_URL"]
    info = Path(os.environ.get("LAMBDA_TASK_ROOT", HERE)) / ".overcast" / "platform.json"
    try:
        return json.loads(info.read_text()).get("mqttWebSocket")
    except (OSError, ValueError):
        return None


def page(event, context):
    route = event.get("routeKey")
    if route == "GET /dashboard/config":
        return {"statusCode": 200, "headers": {"content-type": "application/json", "cache-control": "no-store"},
                "body": json.dumps({"mqttWebSocket": _mqtt_ws_url(), "topic": "dashboard/#"})}
    if route in STATIC:
        name, content_type = STATIC[route]
        return {"statusCode": 200, "headers": {"content-type": content_type, "cache-control": "no-store"},
                "body": (HERE / name).read_text()}
    return {"statusCode": 404, "headers": {"content-type": "application/json"}, "body": '{"message":"Not Found"}'}
