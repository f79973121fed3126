"""API Gateway WebSocket events and route selection (pure).

Field names, nesting and key order match what AWS hands to a function on
``$connect``, on a message and on ``$disconnect`` (see the ``websocket-*.json``
reference samples). One deliberate difference: ``domainName`` is the Host the
client connected to *with its port*, so ``f"http://{domainName}/{stage}"`` is a
working ``endpoint_url`` for ``apigatewaymanagementapi`` (AWS serves on 443).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import unquote

import orjson

from overcast.asgi import host_of
from overcast.gateway.events import format_request_time
from overcast.spec.websocket import DEFAULT

__all__ = ["Origin", "origin_of", "canonical_header", "connect_event", "message_event", "disconnect_event", "select_route", "disconnect_reason",
           "error_frame"]


@dataclass(frozen=True, slots=True)
class Origin:
    """What every event of one connection shares."""

    connection_id: str
    connected_at: int  # epoch ms
    source_ip: str
    domain: str  # Host as the client sent it (with the port)
    stage: str
    api_id: str


def origin_of(scope, connection_id: str, now_ms: int, stage: str, api_id: str) -> Origin:
    """A new connection's origin, from its ASGI upgrade request."""
    return Origin(connection_id, now_ms, (scope.get("client") or ("127.0.0.1", 0))[0], host_of(scope), stage, api_id)


def _context(origin: Origin, route_key: str, event_type: str, request_id: str, now_ms: int,
             extra: dict | None = None) -> dict:
    ctx: dict = {"routeKey": route_key}
    if extra and "messageId" in extra:
        ctx["messageId"] = extra["messageId"]
    if extra and "disconnectStatusCode" in extra:
        ctx["disconnectStatusCode"] = extra["disconnectStatusCode"]
    ctx["eventType"] = event_type
    ctx["extendedRequestId"] = request_id
    ctx["requestTime"] = format_request_time(now_ms)
    ctx["messageDirection"] = "IN"
    if extra and "disconnectReason" in extra:
        ctx["disconnectReason"] = extra["disconnectReason"]
    ctx.update({
        "stage": origin.stage,
        "connectedAt": origin.connected_at,
        "requestTimeEpoch": now_ms,
        "identity": {"sourceIp": origin.source_ip},
        "requestId": request_id,
        "domainName": origin.domain,
        "connectionId": origin.connection_id,
        "apiId": origin.api_id,
    })
    return ctx


def _query(raw_query: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = unquote(name.replace("+", " ")), unquote(value.replace("+", " "))
        single[name] = value  # REST-style (v1) events: the last value wins here, all are in multiValue*
        multi.setdefault(name, []).append(value)
    return single, multi


# The HTTP parser hands header names over lower-cased; API Gateway passes them as the client sent them,
# which for nearly every client is the canonical spelling, restored here.
_SPECIAL = {"websocket": "WebSocket", "www": "WWW", "te": "TE", "dnt": "DNT", "etag": "ETag"}


def canonical_header(name: str) -> str:
    """``sec-websocket-key`` -> ``Sec-WebSocket-Key``, ``x-amzn-trace-id`` -> ``X-Amzn-Trace-Id``."""
    return "-".join(_SPECIAL.get(part, part[:1].upper() + part[1:]) for part in name.split("-"))


def connect_event(origin: Origin, *, headers: list[tuple[bytes, bytes]], raw_query: str, scheme: str,
                  server_port: int | None, request_id: str, now_ms: int) -> dict:
    """The ``$connect`` event: the upgrade request's headers (canonical names) and query string.

    Like API Gateway, ``X-Forwarded-For/-Port/-Proto`` are added when the client did not send them.
    """
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1")
        name = canonical_header(name) if name.islower() else name
        value = raw_value.decode("utf-8", "replace")
        single[name] = value
        multi.setdefault(name, []).append(value)
    present = {n.lower() for n in single}
    forwarded = (("X-Forwarded-For", origin.source_ip), ("X-Forwarded-Port", str(server_port or "")),
                 ("X-Forwarded-Proto", "https" if scheme == "wss" else "http"))
    for name, value in forwarded:
        if name.lower() not in present:
            single[name] = value
            multi[name] = [value]
    event: dict = {"headers": single, "multiValueHeaders": multi}
    if raw_query:
        params, multi_params = _query(raw_query)
        if params:
            event["queryStringParameters"] = params
            event["multiValueQueryStringParameters"] = multi_params
    event["requestContext"] = _context(origin, "$connect", "CONNECT", request_id, now_ms)
    event["isBase64Encoded"] = False
    return event


def message_event(origin: Origin, route_key: str, data: str | bytes, *, message_id: str, request_id: str,
                  now_ms: int) -> dict:
    """A message's event: a text frame's body as is, a binary frame's base64-encoded."""
    ctx = _context(origin, route_key, "MESSAGE", request_id, now_ms, {"messageId": message_id})
    if isinstance(data, str):
        return {"requestContext": ctx, "body": data, "isBase64Encoded": False}
    return {"requestContext": ctx, "body": base64.b64encode(data).decode("ascii"), "isBase64Encoded": True}


# AWS's wording where known; the others follow the same pattern.
_REASONS = {1005: "Client-side close frame status not set", 1006: "Connection closed abnormally",
            1009: "Message too big", 1001: "Going away"}


def disconnect_reason(code: int, by_server: str | None = None) -> str:
    if by_server:
        return by_server
    return _REASONS.get(code, f"Client-side close frame status code {code}")


def disconnect_event(origin: Origin, *, status_code: int, reason: str, request_id: str, now_ms: int) -> dict:
    """The ``$disconnect`` event; API Gateway sends these placeholder headers, and so do we."""
    headers = {"Host": origin.domain, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    ctx = _context(origin, "$disconnect", "DISCONNECT", request_id, now_ms,
                   {"disconnectStatusCode": status_code, "disconnectReason": reason})
    return {"headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "requestContext": ctx, "isBase64Encoded": False}


def select_route(data: str | bytes, path: tuple[str, ...], routes) -> str | None:
    """The route key a message goes to: the selection expression's value when it names a route,
    else ``$default`` when declared, else None (AWS then answers ``Forbidden``)."""
    if isinstance(data, str) and path:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            value = None
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        if isinstance(value, str) and value in routes and not value.startswith("$"):
            return value
    return DEFAULT if DEFAULT in routes else None


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """What API Gateway sends back on a failed message: ``{"message", "connectionId", "requestId"}``."""
    return orjson.dumps({"message": message, "connectionId": connection_id, "requestId": request_id}).decode()
