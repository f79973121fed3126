"""SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility: request fields to queue calls."""

from __future__ import annotations

from overcast.compat.sqs import wire
from overcast.limits import LIMITS
from overcast.queues import client, digest
from overcast.queues.errors import InvalidParameterValue
from overcast.queues.model import Message, SendResult


async def send_one(nc, queue: str, entry: dict, principal: str) -> SendResult:
    """One message of SendMessage or of a SendMessageBatch entry."""
    delay = wire.int_param(entry, "DelaySeconds", 0, LIMITS["sqs.delay_seconds"].value, "sqs.delay_seconds")
    return await client.send(nc, queue, entry.get("MessageBody"), message_attributes=entry.get("MessageAttributes"),
                             delay=delay, group=entry.get("MessageGroupId"),
                             dedup_id=entry.get("MessageDeduplicationId"), sender=principal)


def sent_shape(result: SendResult) -> dict:
    out = {"MessageId": result.message_id, "MD5OfMessageBody": result.md5_of_body}
    if result.md5_of_message_attributes:
        out["MD5OfMessageAttributes"] = result.md5_of_message_attributes
    if result.sequence_number:
        out["SequenceNumber"] = result.sequence_number
    return out


async def send_message(nc, req: dict, principal: str) -> dict:
    return sent_shape(await send_one(nc, wire.queue_name(req), req, principal))


async def receive_message(nc, req: dict, principal: str) -> dict:
    queue = wire.queue_name(req)
    top = LIMITS["sqs.batch_entries"].value
    count = req.get("MaxNumberOfMessages", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= top:
        raise InvalidParameterValue(f"Value {count} for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                                    f"between 1 and {top}, if provided (limit sqs.batch_entries).")
    wait = wire.int_param(req, "WaitTimeSeconds", 0, LIMITS["sqs.wait_time"].value, "sqs.wait_time")
    visibility = wire.int_param(req, "VisibilityTimeout", 0, LIMITS["sqs.visibility_timeout"].value,
                                "sqs.visibility_timeout")
    system = set(wire.names(req, "AttributeNames")) | set(wire.names(req, "MessageSystemAttributeNames"))
    wanted = wire.names(req, "MessageAttributeNames")
    got = await client.receive(nc, queue, max_messages=count, wait=None if wait is None else float(wait),
                               visibility=visibility)
    return {"Messages": [message_shape(m, system, wanted) for m in got]} if got else {}


def message_shape(message: Message, system: set[str], wanted: list[str]) -> dict:
    out = {"MessageId": message.message_id, "ReceiptHandle": message.receipt_handle,
           "MD5OfBody": message.md5_of_body, "Body": message.body}
    everything = "All" in system
    attrs = {k: v for k, v in message.attributes.items() if everything or k in system}
    if attrs:
        out["Attributes"] = attrs
    chosen = digest.select(message.message_attributes, wanted)
    if chosen:
        out["MD5OfMessageAttributes"] = digest.md5_of_attributes(chosen)
        out["MessageAttributes"] = chosen
    return out


async def delete_message(nc, req: dict, principal: str) -> dict:
    await client.delete(nc, wire.queue_name(req), wire.required(req, "ReceiptHandle"))
    return {}


async def change_message_visibility(nc, req: dict, principal: str) -> dict:
    seconds = wire.int_param(req, "VisibilityTimeout", 0, LIMITS["sqs.visibility_timeout"].value,
                             "sqs.visibility_timeout")
    if seconds is None:
        wire.required(req, "VisibilityTimeout")
    await client.change_visibility(nc, wire.queue_name(req), wire.required(req, "ReceiptHandle"), seconds)
    return {}
