"""What queues hand around: queue info, stored envelopes, received messages, receipt handles (pure)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

import orjson

from overcast.queues.errors import ReceiptHandleIsInvalid


@dataclass(frozen=True)
class QueueInfo:
    name: str
    arn: str
    attributes: dict[str, str]  # the settable attributes, as stored (defaults filled in)
    created: float  # epoch seconds
    owner: str | None = None  # the STAGE.STACK (or key principal) that created it
    modified: float = 0.0


@dataclass(frozen=True)
class SendResult:
    message_id: str
    md5_of_body: str
    md5_of_message_attributes: str | None = None
    sequence_number: str | None = None  # FIFO queues only


@dataclass
class Message:
    """One received (or peeked) message; ``attributes`` are the system attributes, all of them."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, str] = field(default_factory=dict)
    message_attributes: dict = field(default_factory=dict)
    md5_of_body: str = ""
    md5_of_message_attributes: str | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)  # shallow: nothing shares it (asdict's deep copy cost a hot path)

    @classmethod
    def from_dict(cls, doc) -> Message:
        """From its dict (a remote owner's reply), or the Message itself (an owner in this process)."""
        return doc if isinstance(doc, Message) else cls(**doc)


@dataclass(frozen=True)
class Envelope:
    """A message as stored in the queue's JetStream stream (one JSON document per stream message)."""

    id: str
    body: str
    sent: int  # SentTimestamp, epoch ms
    sender: str
    attrs: dict = field(default_factory=dict)
    delay: int = 0
    group: str | None = None
    dedup: str | None = None

    def encode(self) -> bytes:
        doc = {"id": self.id, "body": self.body, "sent": self.sent, "sender": self.sender}
        for key in ("attrs", "delay", "group", "dedup"):
            value = getattr(self, key)
            if value not in (None, {}, 0):
                doc[key] = value
        return orjson.dumps(doc)

    @classmethod
    def decode(cls, data: bytes) -> Envelope:
        doc = orjson.loads(data)
        return cls(doc["id"], doc["body"], int(doc["sent"]), doc.get("sender", ""), doc.get("attrs") or {},
                   int(doc.get("delay") or 0), doc.get("group"), doc.get("dedup"))


def sequence_number(seq: int) -> str:
    """SequenceNumber of a FIFO message: the stream sequence, as the 20-digit string SQS returns."""
    return f"{seq:020d}"


def receipt_handle(seq: int, token: str) -> str:
    """Opaque to clients; names the stream sequence and the one receive it came from."""
    return base64.urlsafe_b64encode(f"{seq}:{token}".encode()).decode()


def parse_receipt(handle: object) -> tuple[int, str]:
    try:
        seq, token = base64.urlsafe_b64decode(str(handle).encode()).decode().split(":", 1)
        return int(seq), token
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ReceiptHandleIsInvalid(f"The input receipt handle \"{handle}\" is not a valid receipt handle.") from None


def lambda_record(message: Message, queue_arn: str, region: str) -> dict:
    """The message as one record of a Lambda SQS event (field names and nesting as AWS sends them)."""
    attrs = {}
    for name, value in message.message_attributes.items():
        one = {}
        if "StringValue" in value:
            one["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            one["binaryValue"] = value["BinaryValue"]
        one.update(stringListValues=[], binaryListValues=[], dataType=value["DataType"])
        attrs[name] = one
    record = {"messageId": message.message_id, "receiptHandle": message.receipt_handle, "body": message.body,
              "attributes": dict(message.attributes), "messageAttributes": attrs, "md5OfBody": message.md5_of_body}
    if message.md5_of_message_attributes:
        record["md5OfMessageAttributes"] = message.md5_of_message_attributes
    record.update(eventSource="aws:sqs", eventSourceARN=queue_arn, awsRegion=region)
    return record
