"""The events Lambda hands out for event sources (pure).

Shapes follow AWS field for field and in AWS's key order (the samples in
``shared/aws-events`` are the reference): ``kinesis_event``, ``sqs_event``, ``dynamodb_event`` are
the ``{"Records": [...]}`` events a mapping invokes a function with.

The records sent to destinations (``stream_failure_record``, ``async_destination_record``) and
their timestamp forms (``iso_millis``, ``iso_seconds``) live in
``overcast.sources.destination_records`` and are re-exported here.

Input records are plain objects read by attribute (see each function), so any dataclass of the
streams or queues packages fits.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from overcast.sources.destination_records import (
    BATCH_INFO_KEY,
    DESTINATION_VERSION,
    async_destination_record,
    iso_millis,
    iso_seconds,
    payload_value,
    stream_failure_record,
)

__all__ = [
    "BATCH_INFO_KEY",
    "DEFAULT_ROLE",
    "DESTINATION_VERSION",
    "DYNAMODB_RECORD_KEYS",
    "KINESIS_SCHEMA_VERSION",
    "SQS_ATTRIBUTE_ORDER",
    "async_destination_record",
    "dynamodb_event",
    "iso_millis",
    "iso_seconds",
    "kinesis_event",
    "kinesis_record",
    "lambda_attributes",
    "lambda_message_attribute",
    "payload_value",
    "sqs_event",
    "sqs_record",
    "stream_failure_record",
]

KINESIS_SCHEMA_VERSION = "1.0"
DEFAULT_ROLE = "overcast-function-role"


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else "000000000000"


# --- Kinesis --------------------------------------------------------------------------------------


def kinesis_record(record, stream_arn: str, shard_id: str, region: str, invoke_identity_arn: str) -> dict:
    """One entry of a Kinesis event; ``record`` has ``data`` (bytes), ``partition_key``,
    ``sequence_number`` and ``arrival`` (epoch seconds)."""
    data = record.data if isinstance(record.data, bytes | bytearray) else str(record.data).encode()
    return {
        "kinesis": {
            "kinesisSchemaVersion": KINESIS_SCHEMA_VERSION,
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(bytes(data)).decode("ascii"),
            # AWS gives the arrival time in epoch seconds with millisecond precision
            "approximateArrivalTimestamp": round(float(record.arrival), 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": invoke_identity_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def kinesis_event(records: Iterable, stream_arn: str, shard_id: str, region: str,
                  invoke_identity_arn: str | None = None) -> dict:
    """The event a Kinesis mapping invokes its function with; all records come from one shard."""
    identity = invoke_identity_arn or f"arn:aws:iam::{_account(stream_arn)}:role/{DEFAULT_ROLE}"
    return {"Records": [kinesis_record(r, stream_arn, shard_id, region, identity) for r in records]}


# --- SQS ------------------------------------------------------------------------------------------


def _b64(value) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)  # already base64 text, as the SQS JSON protocol carries it


def lambda_message_attribute(attr: dict) -> dict:
    """SQS API ``{DataType, StringValue|BinaryValue}`` → Lambda's lowerCamel form.

    Lambda always lists ``stringListValues`` and ``binaryListValues`` (empty: SQS reserves them)."""
    out: dict = {}
    if attr.get("StringValue") is not None:
        out["stringValue"] = attr["StringValue"]
    if attr.get("BinaryValue") is not None:
        out["binaryValue"] = _b64(attr["BinaryValue"])
    out["stringListValues"] = list(attr.get("StringListValues") or [])
    out["binaryListValues"] = [_b64(v) for v in attr.get("BinaryListValues") or []]
    out["dataType"] = attr.get("DataType", "String")
    return out


SQS_ATTRIBUTE_ORDER = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")


def lambda_attributes(attrs: dict) -> dict:
    """System attributes in the order Lambda lists them; the others (FIFO ids, trace header) follow."""
    out = {k: attrs[k] for k in SQS_ATTRIBUTE_ORDER if k in attrs}
    out.update((k, v) for k, v in attrs.items() if k not in out)
    return out


def sqs_record(message, queue_arn: str, region: str) -> dict:
    """One entry of an SQS event; ``message`` has ``message_id``, ``receipt_handle``, ``body``,
    ``attributes`` (str → str), ``message_attributes`` (SQS API shape) and ``md5_of_body``."""
    body = message.body
    md5 = getattr(message, "md5_of_body", None) or hashlib.md5(body.encode()).hexdigest()
    attrs = getattr(message, "message_attributes", None) or {}
    return {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": body,
        "attributes": lambda_attributes(getattr(message, "attributes", None) or {}),
        "messageAttributes": {name: lambda_message_attribute(a) for name, a in attrs.items()},
        "md5OfBody": md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: Iterable, queue_arn: str, region: str) -> dict:
    """The event an SQS mapping invokes its function with."""
    return {"Records": [sqs_record(m, queue_arn, region) for m in messages]}


# --- DynamoDB Streams -----------------------------------------------------------------------------

DYNAMODB_RECORD_KEYS = ("eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                        "eventSourceARN")


def dynamodb_event(records: Iterable[dict]) -> dict:
    """The event a table-stream mapping invokes its function with.

    Records are already in the DynamoDB Streams shape (``overcast.tables.streams.record``); a record
    missing one of ``DYNAMODB_RECORD_KEYS`` is a bug upstream and raises ``ValueError``."""
    out = []
    for rec in records:
        missing = [k for k in DYNAMODB_RECORD_KEYS if k not in rec]
        if missing:
            raise ValueError(f"DynamoDB stream record lacks {', '.join(missing)}")
        out.append(rec)
    return {"Records": out}
