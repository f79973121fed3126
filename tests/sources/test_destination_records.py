"""Destination records (stream on-failure, async on-success/on-failure) against AWS's documented ones,
key by key and in AWS's order."""

from __future__ import annotations

import json

import pytest

from overcast.sources import destination_records

# The invocation record of AWS's Kinesis error-handling documentation
KINESIS_FAILURE_DOC = {
    "requestContext": {"requestId": "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
                       "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
                       "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 1},
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2019-11-14T00:38:06.021Z",
    "KinesisBatchInfo": {"shardId": "shardId-000000000001",
                         "startSequenceNumber": "49601189658422359378836298521827638475320189012309704722",
                         "endSequenceNumber": "49601189658422359378836298522902373528957594348623495186",
                         "approximateArrivalOfFirstRecord": "2019-11-14T00:38:04.835Z",
                         "approximateArrivalOfLastRecord": "2019-11-14T00:38:05.580Z",
                         "batchSize": 500, "streamArn": "arn:aws:kinesis:us-east-2:123456789012:stream/mystream"},
}


def test_kinesis_failure_record_matches_the_documented_one():
    ref = KINESIS_FAILURE_DOC
    info = ref["KinesisBatchInfo"]
    got = destination_records.stream_failure_record(
        "kinesis", request_id=ref["requestContext"]["requestId"], function_arn=ref["requestContext"]["functionArn"],
        condition="RetryAttemptsExhausted", approximate_invoke_count=1, status_code=200, executed_version="$LATEST",
        function_error="Unhandled", shard_id=info["shardId"], start_seq=info["startSequenceNumber"],
        end_seq=info["endSequenceNumber"], first_arrival=1573691884.835, last_arrival=1573691885.580,
        batch_size=500, source_arn=info["streamArn"], timestamp=1573691886.021)
    assert json.dumps(got) == json.dumps(ref)


def test_dynamodb_failure_record_uses_ddb_batch_info_and_whole_seconds():
    got = destination_records.stream_failure_record(
        "dynamodb", request_id="r", function_arn="arn:aws:lambda:us-east-1:000000000000:function:f",
        condition="RecordAgeExceeded", approximate_invoke_count=0, status_code=None, executed_version=None,
        function_error=None, shard_id="shardId-1", start_seq="1", end_seq="2", first_arrival=1749147709.0,
        last_arrival=1749147709.9, batch_size=2, source_arn="arn:aws:dynamodb:us-east-1:0:table/t/stream/x",
        timestamp=1749147746.479)
    assert "KinesisBatchInfo" not in got
    assert got["DDBStreamBatchInfo"]["approximateArrivalOfFirstRecord"] == "2025-06-05T18:21:49Z"
    assert got["DDBStreamBatchInfo"]["approximateArrivalOfLastRecord"] == "2025-06-05T18:21:49Z"
    assert got["timestamp"] == "2025-06-05T18:22:26.479Z"
    assert got["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}  # no functionError key
    assert list(got) == ["requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"]
    with pytest.raises(ValueError, match="kinesis"):
        destination_records.stream_failure_record("sqs", **{k: None for k in (
            "request_id", "function_arn", "condition", "approximate_invoke_count", "status_code",
            "executed_version", "function_error", "shard_id", "start_seq", "end_seq", "first_arrival",
            "last_arrival", "batch_size", "source_arn", "timestamp")})


def test_async_destination_record_failure_and_success():
    failed = destination_records.async_destination_record(
        request_id="e4b46cbf", function_arn="arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST",
        condition="RetriesExhausted", approximate_invoke_count=3, request_payload=b'{"ORDER_IDS": ["a"]}',
        status_code=200, executed_version="$LATEST", function_error="Unhandled",
        response_payload=b'{"errorMessage": "boom", "errorType": "Exception"}', timestamp=1573755365.568)
    assert list(failed) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext",
                            "responsePayload"]
    assert failed["timestamp"] == "2019-11-14T18:16:05.568Z"
    assert failed["requestContext"] == {"requestId": "e4b46cbf", "functionArn": failed["requestContext"][
        "functionArn"], "condition": "RetriesExhausted", "approximateInvokeCount": 3}
    assert failed["requestPayload"] == {"ORDER_IDS": ["a"]}
    assert failed["responseContext"]["functionError"] == "Unhandled"
    assert failed["responsePayload"]["errorType"] == "Exception"

    ok = destination_records.async_destination_record(
        request_id="x", function_arn="f:$LATEST", condition="Success", approximate_invoke_count=1,
        request_payload={"Success": True}, status_code=200, executed_version="$LATEST", function_error=None,
        response_payload=b"not json", timestamp=0.0)
    assert ok["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert ok["responsePayload"] == "not json"
    assert ok["timestamp"] == "1970-01-01T00:00:00.000Z"

    aged = destination_records.async_destination_record(
        request_id="y", function_arn="f:$LATEST", condition="EventAgeExceeded", approximate_invoke_count=0,
        request_payload=b"", status_code=None, executed_version=None, function_error=None, response_payload=None,
        timestamp=0.9996)
    assert "responseContext" not in aged and "responsePayload" not in aged
    assert aged["requestPayload"] is None
    assert aged["timestamp"] == "1970-01-01T00:00:01.000Z"
