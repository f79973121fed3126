"""The events and envelopes Lambda hands out for event sources (pure).

Shapes follow AWS field for field and in AWS's key order (the samples in
``shared/aws-events`` are the reference):

- ``kinesis_event``, ``sqs_event``, ``dynamodb_event``: the ``{"Records": [...]}`` events a mapping
  invokes a function with;
- ``stream_failure_record``: what a stream mapping (Kinesis, DynamoDB Streams) sends to its
  on-failure destination when it discards a batch: the batch's position, never its records;
- ``async_destination_record``: what an asynchronous invocation sends to its on-success or
  on-failure destination, with the request and response payloads.

Input records are plain objects read by attribute (see each function), so any dataclass of the
streams or queues packages fits.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterable

KINESIS_SCHEMA_VERSION = "1.0"
DESTINATION_VERSION = "1.0"
DEFAULT_ROLE = "overcast-function-role"


def iso_millis(epoch: float) -> str:
    """``2019-11-14T00:38:06.021Z``: the timestamp form of Lambda's destination records."""
    whole = int(epoch)
    millis = int(round((epoch - whole) * 1000))
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


def iso_seconds(epoch: float) -> str:
    """``2025-06-05T18:21:49Z``: DynamoDB Streams arrival times have whole seconds only."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


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


# --- destination records --------------------------------------------------------------------------

BATCH_INFO_KEY = {"kinesis": "KinesisBatchInfo", "dynamodb": "DDBStreamBatchInfo"}


def _response_context(status_code: int | None, executed_version: str | None, function_error: str | None) -> dict:
    ctx: dict = {"statusCode": 200 if status_code is None else status_code,
                 "executedVersion": executed_version or "$LATEST"}
    if function_error:
        ctx["functionError"] = function_error
    return ctx


def stream_failure_record(kind: str, *, request_id: str, function_arn: str, condition: str,
                          approximate_invoke_count: int, status_code: int | None, executed_version: str | None,
                          function_error: str | None, shard_id: str, start_seq: str, end_seq: str,
                          first_arrival: float, last_arrival: float, batch_size: int, source_arn: str,
                          timestamp: float) -> dict:
    """The record a stream mapping sends to its on-failure destination for a discarded batch.

    ``kind`` is ``"kinesis"`` or ``"dynamodb"``; ``condition`` is ``"RetryAttemptsExhausted"`` or
    ``"RecordAgeExceeded"``; arrivals and ``timestamp`` are epoch seconds. The records themselves are
    not included (as on AWS): consumers read them back from the stream by sequence number.
    """
    if kind not in BATCH_INFO_KEY:
        raise ValueError(f"stream failure record kind must be 'kinesis' or 'dynamodb', got {kind!r}")
    stamp = iso_millis if kind == "kinesis" else iso_seconds
    return {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "responseContext": _response_context(status_code, executed_version, function_error),
        "version": DESTINATION_VERSION,
        "timestamp": iso_millis(timestamp),
        BATCH_INFO_KEY[kind]: {
            "shardId": shard_id,
            "startSequenceNumber": start_seq,
            "endSequenceNumber": end_seq,
            "approximateArrivalOfFirstRecord": stamp(first_arrival),
            "approximateArrivalOfLastRecord": stamp(last_arrival),
            "batchSize": batch_size,
            "streamArn": source_arn,
        },
    }


def payload_value(payload):
    """A payload as a destination record carries it: JSON when it parses, else text."""
    if isinstance(payload, bytes | bytearray):
        text = bytes(payload).decode("utf-8", errors="replace")
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text
    return payload


def async_destination_record(*, request_id: str, function_arn: str, condition: str, approximate_invoke_count: int,
                             request_payload, status_code: int | None, executed_version: str | None,
                             function_error: str | None, response_payload, timestamp: float) -> dict:
    """The record an asynchronous invocation sends to its on-success / on-failure destination.

    ``condition``: ``"Success"``, ``"RetriesExhausted"`` or ``"EventAgeExceeded"``. ``function_arn``
    carries the version qualifier (``...:function:name:$LATEST``) as AWS's does. Payloads may be raw
    bytes (decoded as JSON when they parse) or already-decoded values. ``status_code=None`` means the
    function never ran (an event too old before its first attempt): the record then has no
    ``responseContext`` nor ``responsePayload``.
    """
    out: dict = {
        "version": DESTINATION_VERSION,
        "timestamp": iso_millis(timestamp),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "requestPayload": payload_value(request_payload),
    }
    if status_code is not None:
        out["responseContext"] = _response_context(status_code, executed_version, function_error)
        out["responsePayload"] = payload_value(response_payload)
    return out
