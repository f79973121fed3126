"""The records Lambda sends to destinations (pure).

Shapes follow AWS field for field and in AWS's key order (the samples in
``shared/aws-events`` are the reference):

- ``stream_failure_record``: what a stream mapping (Kinesis, DynamoDB Streams) sends to its
  on-failure destination when it discards a batch: the batch's position, never its records;
- ``async_destination_record``: what an asynchronous invocation sends to its on-success or
  on-failure destination, with the request and response payloads.

The invocation events themselves are built by ``overcast.sources.records``, which re-exports
this module's public names.
"""

from __future__ import annotations

import json
import time

DESTINATION_VERSION = "1.0"
BATCH_INFO_KEY = {"kinesis": "KinesisBatchInfo", "dynamodb": "DDBStreamBatchInfo"}


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
