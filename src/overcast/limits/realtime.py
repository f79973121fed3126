"""Limits of the realtime side: WebSocket APIs, MQTT things and IoT topic rules."""

from __future__ import annotations

from overcast.limits.model import KB, Limit

REALTIME: tuple[Limit, ...] = (
    # WebSocket APIs (API Gateway quotas; AWS closes a connection with 1009 over the size limits)
    Limit(
        "websocket.frame_size", "one WebSocket frame", 32 * KB, "bytes", "hard", "invocation",
        "API Gateway: WebSocket frame size 32 KB", http_status=413, aws_error="PayloadTooLargeException",
    ),
    Limit(
        "websocket.message_size", "one WebSocket message (from a client or sent with @connections)", 128 * KB,
        "bytes", "hard", "invocation", "API Gateway: WebSocket message payload size 128 KB", http_status=413,
        aws_error="PayloadTooLargeException",
    ),
    Limit(
        "websocket.idle_timeout", "WebSocket connection idle time before it is closed", 600, "seconds", "hard",
        "invocation", "API Gateway: idle connection timeout 10 minutes",
    ),
    Limit(
        "websocket.connection_duration", "WebSocket connection duration", 7200, "seconds", "hard", "invocation",
        "API Gateway: connection duration for WebSocket API 2 hours",
    ),
    # MQTT things (each is one engine user; their allow-lists are the engine's permission lists)
    Limit(
        "mqtt.things_per_stack", "things one stack declares", 1000, "things", "hard", "account",
        "none: AWS IoT registers things per account without such a limit",
    ),
    Limit(
        "mqtt.filters_per_thing", "topic filters in one thing's publish or subscribe list", 100, "filters",
        "hard", "function", "AWS IoT: a policy document is at most 2048 characters",
    ),
    # Topic rules and the IoT data-plane Publish API
    Limit(
        "iot.rule_actions", "actions of one topic rule", 10, "actions", "hard", "function",
        "AWS IoT: 10 actions per rule", minimum=1, aws_error="InvalidRequestException",
    ),
    Limit(
        "iot.message_size", "one message published through the IoT data Publish API or a republish action",
        128 * KB, "bytes", "hard", "invocation", "AWS IoT: message payload size 128 KB", http_status=413,
        aws_error="RequestEntityTooLargeException",
    ),
    Limit(
        "iot.rule_hops", "republish hops of one message through topic rules (a longer chain is dropped)", 8,
        "hops", "hard", "invocation", "none: AWS IoT does not stop rule loops",
    ),
)
