"""SQS-compatible API on the gateway: queue operations on :mod:`overcast.queues`.

The principal (the stack whose key signed the request) becomes a new queue's ``owner`` and the
SenderId of what it sends; ownership is recorded, not enforced: any key the platform issued reaches
any queue, as every key of one AWS account reaches its account's queues.
"""

from __future__ import annotations

from overcast.compat.sqs import batch, messages, wire
from overcast.errors import OvercastError
from overcast.queues import client, settings, store
from overcast.queues.errors import InvalidAttributeName, InvalidParameterValue, UnsupportedOperation

_MESSAGE_OPS = {
    "SendMessage": messages.send_message, "SendMessageBatch": batch.send_message_batch,
    "ReceiveMessage": messages.receive_message, "DeleteMessage": messages.delete_message,
    "DeleteMessageBatch": batch.delete_message_batch, "ChangeMessageVisibility": messages.change_message_visibility,
    "ChangeMessageVisibilityBatch": batch.change_message_visibility_batch,
}
_COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
           "ApproximateNumberOfMessagesDelayed")


class SqsEndpoint:
    """The :class:`overcast.gateway.aws.AwsService` of SQS, on the gateway's engine connection."""

    prefix = wire.TARGET_PREFIX
    signing_name = wire.SIGNING_NAME
    wants_base_url = True  # QueueUrl is built from the URL the client reached the gateway at

    def __init__(self, nc) -> None:
        self.nc = nc
        self._ops = {
            "CreateQueue": self.create_queue, "GetQueueUrl": self.get_queue_url, "ListQueues": self.list_queues,
            "DeleteQueue": self.delete_queue, "GetQueueAttributes": self.get_queue_attributes,
            "SetQueueAttributes": self.set_queue_attributes, "PurgeQueue": self.purge_queue,
        }

    async def handle(self, op: str, req: dict, principal: str, base_url: str = "http://localhost") -> dict:
        if op in _MESSAGE_OPS:
            return await _MESSAGE_OPS[op](self.nc, req, principal)
        handler = self._ops.get(op)
        if handler is None:
            raise UnsupportedOperation(f"operation {op} is not supported by overcast's SQS endpoint")
        return await handler(req, principal, base_url)

    def response(self, status: int, body: dict, request_id: str) -> wire.Answer:
        return wire.response(status, body, request_id)

    def error(self, exc: OvercastError, request_id: str) -> wire.Answer:
        return wire.error(exc, request_id)

    # queues

    async def create_queue(self, req: dict, principal: str, base_url: str) -> dict:
        name = settings.check_name(wire.required(req, "QueueName"))
        await store.create_queue(self.nc, name, req.get("Attributes") or {}, owner=principal)
        return {"QueueUrl": wire.queue_url(base_url, name)}

    async def get_queue_url(self, req: dict, principal: str, base_url: str) -> dict:
        info = await store.get_queue(self.nc, wire.required(req, "QueueName"))
        return {"QueueUrl": wire.queue_url(base_url, info.name)}

    async def list_queues(self, req: dict, principal: str, base_url: str) -> dict:
        limit = wire.int_param(req, "MaxResults", 1, 1000)
        names = await store.list_queues(self.nc, req.get("QueueNamePrefix") or None)
        after = req.get("NextToken")
        if after:
            names = [n for n in names if n > after]
        out: dict = {}
        page = names[:limit or 1000]
        if page:
            out["QueueUrls"] = [wire.queue_url(base_url, n) for n in page]
        if limit and len(names) > limit:
            out["NextToken"] = page[-1]
        return out

    async def delete_queue(self, req: dict, principal: str, base_url: str) -> dict:
        await store.delete_queue(self.nc, wire.queue_name(req))
        return {}

    async def purge_queue(self, req: dict, principal: str, base_url: str) -> dict:
        await client.purge(self.nc, wire.queue_name(req))
        return {}

    async def get_queue_attributes(self, req: dict, principal: str, base_url: str) -> dict:
        name = wire.queue_name(req)
        wanted = wire.names(req, "AttributeNames")
        known = settings.SETTABLE | set(settings.COMPUTED) | {"All"}
        for attr in wanted:
            if attr not in known:
                raise InvalidAttributeName(f"Unknown Attribute {attr}.")
        if "All" in wanted or set(wanted) & set(_COUNTS):
            attrs = await client.attributes(self.nc, name)
        else:
            info = await store.get_queue(self.nc, name)
            attrs = {**info.attributes, "QueueArn": info.arn, "CreatedTimestamp": str(int(info.created)),
                     "LastModifiedTimestamp": str(int(info.modified or info.created))}
        if "All" not in wanted:
            attrs = {k: v for k, v in attrs.items() if k in wanted}
        attrs = {k: v for k, v in attrs.items() if v != ""}
        return {"Attributes": attrs} if attrs else {}

    async def set_queue_attributes(self, req: dict, principal: str, base_url: str) -> dict:
        name = wire.queue_name(req)
        attributes = req.get("Attributes")
        if not isinstance(attributes, dict):
            raise InvalidParameterValue("The request must contain the parameter Attributes.")
        await store.get_queue(self.nc, name)
        await store.set_attributes(self.nc, name, attributes)
        return {}
