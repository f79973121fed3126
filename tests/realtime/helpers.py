"""Shared helpers of the realtime tests: evaluate a statement with fixed context."""

from __future__ import annotations

import json

from overcast.realtime.sql import parse

TOPIC = "things/dev-1/telemetry"
NOW_MS = 1_700_000_000_123


def run(sql: str, payload: object = None, *, topic: str = TOPIC, client_id: str | None = "dev-1"):
    """Evaluate ``sql`` on ``payload`` (a dict is sent as JSON, bytes as is, None as ``{}``)."""
    if payload is None:
        payload = {}
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return parse(sql).evaluate(data, topic=topic, client_id=client_id, now_ms=NOW_MS, uuid=lambda: "uuid-1")


def value(expr: str, payload: object = None, **kw):
    """The value of one expression (``...`` when it is Undefined, so it is left out of the result)."""
    out = run(f"SELECT {expr} AS v FROM '#'", payload, **kw)
    return out.get("v", ...)


def where(cond: str, payload: object = None) -> bool:
    """Whether ``cond`` lets the message through as a WHERE clause."""
    return run(f"SELECT * FROM '#' WHERE {cond}", payload) is not None
