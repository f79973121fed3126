"""Function logs: one record per invocation, kept in a JetStream stream.

A record is JSON ``{"t": start epoch ms, "rid": request id, "stack", "function",
"text": the invocation's log text, START/END/REPORT lines included}``.
"""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

from overcast.engine import subjects


def encode_record(stack: str, function: str, request_id: str, started_ms: int, text: str) -> bytes:
    return orjson.dumps({"t": started_ms, "rid": request_id, "stack": stack, "function": function,
                         "text": text})


def decode_record(data: bytes) -> dict:
    return orjson.loads(data)


def format_record(record: dict) -> list[str]:
    """Lines as ``overcast logs`` shows them: time, request id, line."""
    stamp = datetime.fromtimestamp(record["t"] / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    rid = record["rid"]
    return [f"{stamp} {rid} {line}" for line in record["text"].splitlines()]


def subject_for(stack: str, function: str) -> str:
    return subjects.logs(stack, function)
