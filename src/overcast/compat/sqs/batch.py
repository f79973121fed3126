"""The batch operations: checks on the whole request, then each entry succeeds or fails on its own."""

from __future__ import annotations

import asyncio
import re

from overcast.compat.sqs import messages, wire
from overcast.errors import LimitExceeded, OvercastError
from overcast.limits import LIMITS
from overcast.queues import client, digest
from overcast.queues.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    InvalidParameterValue,
)
from overcast.queues.settings import is_fifo

_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def _entries(req: dict, op: str) -> list[dict]:
    entries = req.get("Entries")
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {op}RequestEntry in the request.")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidParameterValue("Entries must be a list of structures")
    limit = LIMITS["sqs.batch_entries"]
    if len(entries) > limit.value:
        raise LimitExceeded(limit, len(entries), f"Maximum number of entries per request are {limit.value}. "
                                                 f"You have sent {len(entries)} (limit {limit.name}).")
    ids = [e.get("Id") for e in entries]
    for value in ids:
        if not isinstance(value, str) or not _ID.match(value):
            raise InvalidBatchEntryId("A batch entry id can only contain alphanumeric characters, hyphens and "
                                      f"underscores. It can be at most 80 letters long: {value!r}")
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinct("Two or more batch entries in the request have the same Id.")
    return entries


async def _each(entries: list[dict], run, ordered: bool) -> dict:
    async def one(entry: dict):
        try:
            return entry["Id"], await run(entry), None
        except OvercastError as exc:
            return entry["Id"], None, exc
    results = [await one(e) for e in entries] if ordered else await asyncio.gather(*(one(e) for e in entries))
    ok, failed = [], []
    for entry_id, value, exc in results:
        if exc is None:
            ok.append({"Id": entry_id, **(value or {})})
        else:
            failed.append({"Id": entry_id, "SenderFault": exc.http_status < 500,
                           "Code": exc.aws_name or "InternalError", "Message": exc.message})
    return {"Successful": ok, "Failed": failed}


async def send_message_batch(nc, req: dict, principal: str) -> dict:
    queue = wire.queue_name(req)
    entries = _entries(req, "SendMessageBatch")
    total = 0
    for e in entries:
        body = e.get("MessageBody")
        total += len(body.encode()) if isinstance(body, str) else 0
        try:
            total += digest.attributes_size(digest.check_attributes(e.get("MessageAttributes")))
        except OvercastError:
            pass  # reported on the entry itself
    limit = LIMITS["sqs.message_size"]
    if total > limit.value:
        raise BatchRequestTooLong(f"Batch requests cannot be longer than {limit.value} bytes; got {total} "
                                  f"(limit {limit.name}).")

    async def run(entry: dict) -> dict:
        return messages.sent_shape(await messages.send_one(nc, queue, entry, principal))
    return await _each(entries, run, ordered=is_fifo(queue))  # a FIFO batch keeps its order


async def delete_message_batch(nc, req: dict, principal: str) -> dict:
    queue = wire.queue_name(req)

    async def run(entry: dict) -> None:
        await client.delete(nc, queue, wire.required(entry, "ReceiptHandle"))
    return await _each(_entries(req, "DeleteMessageBatch"), run, ordered=False)


async def change_message_visibility_batch(nc, req: dict, principal: str) -> dict:
    queue = wire.queue_name(req)
    top = LIMITS["sqs.visibility_timeout"].value

    async def run(entry: dict) -> None:
        seconds = wire.int_param(entry, "VisibilityTimeout", 0, top, "sqs.visibility_timeout")
        if seconds is None:
            wire.required(entry, "VisibilityTimeout")
        await client.change_visibility(nc, queue, wire.required(entry, "ReceiptHandle"), seconds)
    return await _each(_entries(req, "ChangeMessageVisibilityBatch"), run, ordered=False)
