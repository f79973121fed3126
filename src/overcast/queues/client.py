"""Using a queue from any process: send publishes to the queue's stream, the rest asks its owner.

Requests to the owner travel on ``subjects.queue_control(name, op)``; while no owner answers
(a dispatcher starting, a takeover) they are retried for a few seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid

import orjson
from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError

from overcast.engine import subjects
from overcast.errors import LimitExceeded
from overcast.limits import LIMITS
from overcast.queues import digest, errors, local, store
from overcast.queues.errors import InvalidParameterValue, MissingParameter, OwnerUnavailable, QueueDoesNotExist
from overcast.queues.model import Envelope, Message, SendResult, sequence_number
from overcast.queues.settings import Settings
from overcast.runtime.config import ACCOUNT_ID

OWNER_WAIT_S = 10.0  # how long a request waits for some dispatcher to own the queue
REQUEST_S = 10.0


async def send(nc: Client, queue: str, body: str, *, message_attributes: dict | None = None, delay: int | None = None,
               group: str | None = None, dedup_id: str | None = None, sender: str | None = None) -> SendResult:
    """Store one message durably (it is in JetStream when this returns)."""
    info = await store.cached_queue(nc, queue)
    s = Settings.of(queue, info.attributes)
    env = _envelope(s, body, message_attributes, delay, group, dedup_id, sender)
    headers = None
    if s.fifo:
        headers = {"Nats-Msg-Id": f"{env.group}:{env.dedup}" if s.dedup_per_group else env.dedup}
    js = nc.jetstream()
    try:
        ack = await js.publish(subjects.queue_messages(queue), env.encode(), stream=subjects.queue_stream(queue),
                               headers=headers)
    except (NoRespondersError, NotFoundError):
        store.forget(nc, queue)
        raise QueueDoesNotExist(queue) from None
    message_id = env.id
    if ack.duplicate:  # FIFO deduplication: SQS answers with the first message's id
        message_id = await _original_id(nc, queue, ack.seq) or message_id
    return SendResult(message_id, digest.md5_of_body(env.body), digest.md5_of_attributes(env.attrs),
                      sequence_number(ack.seq) if s.fifo else None)


def _envelope(s: Settings, body, attributes, delay, group, dedup_id, sender) -> Envelope:
    body = digest.check_body(body)
    attrs = digest.check_attributes(attributes)
    size = len(body.encode("utf-8")) + digest.attributes_size(attrs)
    limit = LIMITS["sqs.message_size"]
    if size > limit.value:
        raise LimitExceeded(limit, size)
    if size > s.max_size:
        raise InvalidParameterValue(f"One or more parameters are invalid. Reason: Message must be shorter than "
                                    f"{s.max_size} bytes (the queue's MaximumMessageSize; got {size}).")
    if delay is not None:
        high = LIMITS["sqs.delay_seconds"].value
        if s.fifo:
            raise InvalidParameterValue("The request include parameter that is not valid for this queue type: "
                                        "DelaySeconds (per message) is not supported by FIFO queues")
        if not isinstance(delay, int) or not 0 <= delay <= high:
            raise InvalidParameterValue(f"Value {delay} for parameter DelaySeconds is invalid. Reason: it must be "
                                        f"from 0 to {high} (limit sqs.delay_seconds).")
    if s.fifo:
        if not group:
            raise MissingParameter("The request must contain the parameter MessageGroupId.")
        if not dedup_id:
            if not s.content_dedup:
                raise InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or "
                                            "MessageDeduplicationId provided explicitly")
            dedup_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
    elif dedup_id:
        raise InvalidParameterValue("The request include parameter that is not valid for this queue type: "
                                    "MessageDeduplicationId")
    for label, value in (("MessageGroupId", group), ("MessageDeduplicationId", dedup_id)):
        if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 128
                                  or any(not 33 <= ord(c) <= 126 for c in value)):
            raise InvalidParameterValue(f"Value {value!r} for parameter {label} is invalid: 1 to 128 printable "
                                        "ASCII characters.")
    return Envelope(str(uuid.uuid4()), body, int(time.time() * 1000), sender or ACCOUNT_ID, attrs,
                    s.delay if delay is None else delay, group, dedup_id)


async def _original_id(nc: Client, queue: str, seq: int) -> str | None:
    try:
        raw = await nc.jetstream().get_msg(subjects.queue_stream(queue), seq)
        return Envelope.decode(raw.data).id
    except Exception:  # deleted meanwhile
        return None


async def receive(nc: Client, queue: str, *, max_messages: int = 1, wait: float | None = 0.0,
                  visibility: int | None = None) -> list[Message]:
    """Receive up to ``max_messages``; ``wait`` seconds of long polling (None: the queue's own setting)."""
    if visibility is not None and not 0 <= visibility <= LIMITS["sqs.visibility_timeout"].value:
        raise InvalidParameterValue(f"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: it must "
                                    f"be from 0 to {LIMITS['sqs.visibility_timeout'].value} (limit sqs.visibility_timeout).")
    top = LIMITS["sqs.wait_time"].value
    if wait is not None and not 0 <= wait <= top:
        raise InvalidParameterValue(f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: it must be from "
                                    f"0 to {top} (limit sqs.wait_time).")
    try:
        found = await _ask(nc, queue, "receive", {"max": max_messages, "wait": wait, "visibility": visibility},
                           timeout=(top if wait is None else wait) + REQUEST_S)
    except NatsTimeout:
        return []  # the owner went away mid-poll: nothing was received
    return [Message.from_dict(doc) for doc in found]


async def delete(nc: Client, queue: str, receipt_handle: str) -> None:
    await _ask(nc, queue, "delete", {"handle": receipt_handle})


async def delete_batch(nc: Client, queue: str, receipt_handles: list[str]) -> None:
    """Delete several received messages in one request (receipts must be well-formed; stale ones are ignored,
    as SQS does)."""
    if receipt_handles:
        await _ask(nc, queue, "delete", {"handles": list(receipt_handles)})


async def change_visibility(nc: Client, queue: str, receipt_handle: str, seconds: int) -> None:
    top = LIMITS["sqs.visibility_timeout"].value
    if not isinstance(seconds, int) or not 0 <= seconds <= top:
        raise InvalidParameterValue(f"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: it must be "
                                    f"from 0 to {top} (limit sqs.visibility_timeout).")
    await _ask(nc, queue, "visibility", {"handle": receipt_handle, "seconds": seconds})


async def purge(nc: Client, queue: str) -> None:
    await _ask(nc, queue, "purge", {})


async def attributes(nc: Client, queue: str) -> dict[str, str]:
    """Every attribute GetQueueAttributes knows: the settings, the ARN, timestamps and message counts."""
    info = await store.get_queue(nc, queue)
    counts = await _ask(nc, queue, "attributes", {})
    return {**info.attributes, "QueueArn": info.arn, "CreatedTimestamp": str(int(info.created)),
            "LastModifiedTimestamp": str(int(info.modified or info.created)), **counts}


async def peek(nc: Client, queue: str, limit: int = 100) -> list[Message]:
    """Messages of the queue in stream order without receiving them (no receipt handle; counts unchanged)."""
    return [Message.from_dict(doc) for doc in await _ask(nc, queue, "peek", {"limit": limit})]


async def _ask(nc: Client, queue: str, op: str, payload: dict, timeout: float = REQUEST_S):
    here = local.owner(nc, queue)
    if here is not None:
        return _result(await here.answer(op, payload))
    deadline = time.monotonic() + OWNER_WAIT_S
    while True:
        try:
            reply = await nc.request(subjects.queue_control(queue, op), orjson.dumps(payload), timeout=timeout)
            break
        except NoRespondersError:
            await store.get_queue(nc, queue)  # QueueDoesNotExist when that is why
            if time.monotonic() > deadline:
                raise OwnerUnavailable(f"no dispatcher owns queue {queue} right now; is a dispatcher running?")
            await asyncio.sleep(0.1)
    return _result(orjson.loads(reply.data))


def _result(doc: dict):
    if "error" in doc:
        raise errors.from_reply(doc["error"])
    return doc.get("ok")
