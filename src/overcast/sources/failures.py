"""Sends a stream mapping's discarded records to its on-failure destination.

The record is AWS's (``KinesisBatchInfo`` / ``DDBStreamBatchInfo``, request and
response context). AWS sends no payloads, so a consumer must read them back from
the stream before they expire; overcast adds one key, ``overcast``, holding the
failed records exactly as the function received them, the last error and the
first and last failure times, so ``overcast dlq show`` and ``redrive`` work
after the stream has moved on. Delivery is retried until the destination
accepts it: a record is acknowledged only once it is there.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import orjson

from overcast.engine import protocol
from overcast.sources import records
from overcast.sources.destinations import deliver
from overcast.sources.invoking import function_arn

log = logging.getLogger("overcast.sources")
RETRY_S = 1.0


def _error(failures: dict) -> dict | None:
    reply = failures.get("reply")
    if reply is None:
        return None
    try:
        body = orjson.loads(reply.payload) if reply.payload else None
    except orjson.JSONDecodeError:
        body = None
    if reply.status == protocol.OK:  # a partial-failure report
        return {"errorType": "BatchItemFailure", "errorMessage": "the function reported these records failed",
                "response": body}
    if isinstance(body, dict):
        return {"errorType": body.get("errorType"), "errorMessage": body.get("errorMessage")}
    return {"errorType": reply.status, "errorMessage": reply.payload.decode("utf-8", "replace")}


def failure_record(mapping, source, discard, failures: dict, version: str | None) -> dict:
    reply = failures.get("reply")
    function_error = None
    if reply is not None and reply.status == protocol.ERROR:
        function_error = "Unhandled"
    entry = records.stream_failure_record(
        source.kind, request_id=str(uuid.uuid4()),
        function_arn=function_arn(mapping.stage, mapping.stack, mapping.function), condition=discard.condition,
        approximate_invoke_count=discard.attempts, status_code=200, executed_version=version,
        function_error=function_error, shard_id=source.shard_id, start_seq=discard.start_seq,
        end_seq=discard.end_seq, first_arrival=discard.first_arrival, last_arrival=discard.last_arrival,
        batch_size=len(discard.records), source_arn=source.arn, timestamp=time.time())
    first, last = failures.get("first"), failures.get("last")
    entry["overcast"] = {
        "mapping": mapping.id, "function": f"{mapping.stack}.{mapping.function}", "stage": mapping.stage,
        "source": f"{'stream' if source.kind == 'kinesis' else 'table'}:{mapping.source_name}",
        "records": source.entries(discard.records), "error": _error(failures),
        "firstFailure": records.iso_millis(first) if first else None,
        "lastFailure": records.iso_millis(last) if last else None,
    }
    return entry


class FailureReporter:
    def __init__(self, nc, invoker) -> None:
        self.nc = nc
        self.invoker = invoker

    async def report(self, mapping, source, discard, failures: dict) -> None:
        version = self.invoker.version(mapping.stage, mapping.stack, mapping.function)
        entry = failure_record(mapping, source, discard, failures, version)
        warned = False
        while True:
            try:
                await deliver(self.nc, mapping.on_failure, entry, stage=mapping.stage)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the shard waits: a record is acknowledged only once it is there
                if not warned:
                    log.error("mapping %s: cannot deliver %d failed record(s) to %s (%s); the shard waits and "
                              "tries again", mapping.id, len(discard.records), mapping.on_failure, exc)
                    warned = True
                await asyncio.sleep(RETRY_S)
