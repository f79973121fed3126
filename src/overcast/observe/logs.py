"""Function logs: one record per invocation, kept in a JetStream stream.

A record is ``{"t": start epoch ms, "rid": request id, "stack", "function",
"text": the invocation's log text, START/END/REPORT lines included}``. Records
of invocations that end close together are stored as one message (a JSON
array): one stream write per batch instead of one per invocation.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import orjson


def invocation_text(rid: str, version: str, memory: int, init_output: bytes, output: bytes, trailer: str,
                    duration_ms: float, max_memory_mb: int, init_ms: float | None) -> str:
    """One invocation's log text as Lambda writes it: init output, START, output, END, REPORT."""
    body = output.decode("utf-8", "backslashreplace")
    if body and not body.endswith("\n"):
        body += "\n"
    report = (f"REPORT RequestId: {rid}\tDuration: {duration_ms:.2f} ms\t"
              f"Billed Duration: {max(1, int(duration_ms + 0.999))} ms\t"
              f"Memory Size: {memory} MB\tMax Memory Used: {max_memory_mb} MB\t")
    if init_ms is not None:
        report += f"Init Duration: {init_ms:.2f} ms\t"
    parts = [init_output.decode("utf-8", "backslashreplace"), f"START RequestId: {rid} Version: {version}\n", body]
    if trailer:
        parts.append(trailer + "\n")
    parts += [f"END RequestId: {rid}\n", report + "\n"]
    return "".join(parts)


def record(stage: str, stack: str, function: str, request_id: str, started_ms: int, text: str) -> dict:
    return {"t": started_ms, "rid": request_id, "stage": stage, "stack": stack, "function": function,
            "text": text}


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


class LogBatcher:
    """Collects log records and publishes those of one short window as one message per subject."""

    def __init__(self, publish, window_s: float = 0.02) -> None:
        self._publish = publish  # async (subject, data) -> None
        self._window = window_s
        self._batches: dict[str, list[dict]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task] = set()

    def add(self, subject: str, rec: dict) -> None:
        self._batches.setdefault(subject, []).append(rec)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._window, self._flush_soon)

    def _flush_soon(self) -> None:
        task = asyncio.create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batches, self._batches = self._batches, {}
        for subject, records in batches.items():
            await self._publish(subject, encode_batch(records))
