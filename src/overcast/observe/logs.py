"""Function logs: one record per invocation, kept in a JetStream stream.

A record is ``{"t": start epoch ms, "rid": request id, "stack", "function",
"text": the invocation's log text, START/END/REPORT lines included}``. Records
of invocations that end close together are stored as one message (a JSON
array): one stream write per batch instead of one per invocation.
"""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

from overcast.engine import subjects


def record(stack: str, function: str, request_id: str, started_ms: int, text: str) -> dict:
    return {"t": started_ms, "rid": request_id, "stack": stack, "function": function, "text": text}


def encode_batch(records: list[dict]) -> bytes:
    return orjson.dumps(records)


def decode_batch(data: bytes) -> list[dict]:
    value = orjson.loads(data)
    return value if isinstance(value, list) else [value]


def format_record(record: dict) -> list[str]:
    """Lines as ``overcast logs`` shows them: time, request id, line."""
    stamp = datetime.fromtimestamp(record["t"] / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    rid = record["rid"]
    return [f"{stamp} {rid} {line}" for line in record["text"].splitlines()]


def subject_for(stack: str, function: str) -> str:
    return subjects.logs(stack, function)
