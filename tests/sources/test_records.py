"""Event and destination shapes against the AWS samples, key by key and in AWS's order."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from overcast.sources import records
from overcast.tables.storage.base import Change, KeySchema, TableDef
from overcast.tables.streams import record as table_record

SAMPLES = Path("/work/shared/aws-events")
if not SAMPLES.is_dir():  # CI lays shared/ beside the clone
    SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "aws-events"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def shape(value):
    """Keys in order, nesting and value types, without the values."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@dataclass
class KRecord:
    data: bytes
    partition_key: str
    sequence_number: str
    arrival: float


@dataclass
class Message:
    message_id: str
    receipt_handle: str
    body: str
    attributes: dict
    message_attributes: dict = field(default_factory=dict)
    md5_of_body: str | None = None


def test_kinesis_event_matches_the_sample_exactly():
    ref = sample("kinesis.json")
    src = ref["Records"][0]
    rec = KRecord(base64.b64decode(src["kinesis"]["data"]), src["kinesis"]["partitionKey"],
                  src["kinesis"]["sequenceNumber"], src["kinesis"]["approximateArrivalTimestamp"])
    shard = src["eventID"].split(":")[0]
    event = records.kinesis_event([rec], src["eventSourceARN"], shard, src["awsRegion"], src["invokeIdentityArn"])
    assert json.dumps(event) == json.dumps(ref)  # same keys, same order, same values


def test_kinesis_event_defaults_and_precision():
    rec = KRecord(b"\x00\xffbinary", "pk", "7", 1700000000.123456)
    event = records.kinesis_event([rec, rec], "arn:aws:kinesis:us-east-1:111122223333:stream/s",
                                  "shardId-000000000000", "us-east-1")
    assert len(event["Records"]) == 2
    first = event["Records"][0]
    assert base64.b64decode(first["kinesis"]["data"]) == b"\x00\xffbinary"
    assert first["kinesis"]["approximateArrivalTimestamp"] == 1700000000.123
    assert first["invokeIdentityArn"].startswith("arn:aws:iam::111122223333:role/")
    assert first["eventID"] == "shardId-000000000000:7"
    assert shape(first) == shape(sample("kinesis.json")["Records"][0])


def _message_from(src: dict) -> Message:
    attrs = {}
    for name, a in src["messageAttributes"].items():
        attrs[name] = {"DataType": a["dataType"], "StringValue": a.get("stringValue"),
                       "BinaryValue": a.get("binaryValue")}
    return Message(src["messageId"], src["receiptHandle"], src["body"], dict(src["attributes"]), attrs,
                   src["md5OfBody"])


def test_sqs_event_matches_the_sample():
    ref = sample("sqs.json")
    src = ref["Records"][0]
    event = records.sqs_event([_message_from(r) for r in ref["Records"]], src["eventSourceARN"], src["awsRegion"])
    # Lambda also lists the (reserved, always empty) list values: AWS's own documentation sample has them
    for rec in event["Records"]:
        for attr in rec["messageAttributes"].values():
            assert attr.pop("stringListValues") == [] and attr.pop("binaryListValues") == []
    assert json.dumps(event) == json.dumps(ref)


def test_sqs_message_attributes_binary_and_md5():
    msg = Message("m1", "rh", "hello", {"ApproximateReceiveCount": "2"},
                  {"b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}, "s": {"DataType": "String",
                                                                                 "StringValue": "x"}})
    rec = records.sqs_event([msg], "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1")["Records"][0]
    assert rec["messageAttributes"]["b"] == {"binaryValue": "AQI=", "stringListValues": [], "binaryListValues": [],
                                             "dataType": "Binary"}
    assert list(rec["messageAttributes"]["s"]) == ["stringValue", "stringListValues", "binaryListValues", "dataType"]
    assert rec["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"  # md5("hello") when none is given
    assert rec["attributes"] == {"ApproximateReceiveCount": "2"}


def test_sqs_attributes_follow_lambdas_order():
    attrs = {"MessageGroupId": "g", "SenderId": "S", "ApproximateFirstReceiveTimestamp": "2", "SentTimestamp": "1",
             "ApproximateReceiveCount": "3"}
    rec = records.sqs_record(Message("m", "r", "b", attrs), "arn:aws:sqs:us-east-1:0:q", "us-east-1")
    assert list(rec["attributes"]) == ["ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                       "ApproximateFirstReceiveTimestamp", "MessageGroupId"]


def test_dynamodb_event_from_table_records_has_every_sample_key():
    table = TableDef("t", KeySchema("Id", "N"), stream_view="NEW_AND_OLD_IMAGES", created_at=1700000000.0)
    change = Change("t", "MODIFY", {"Id": {"N": "101"}}, {"Id": {"N": "101"}, "Message": {"S": "a"}},
                    {"Id": {"N": "101"}, "Message": {"S": "b"}}, 5, 1700000100.5)
    event = records.dynamodb_event([table_record(change, table)])
    refs = sample("dynamodb-stream.json")["Records"]
    got = event["Records"][0]
    assert all(set(got) == set(ref) for ref in refs)
    # the sample's MODIFY record omits ApproximateCreationDateTime, its INSERT record has it
    types = {k: type(v) for ref in refs for k, v in ref["dynamodb"].items()}
    assert {k: type(v) for k, v in got["dynamodb"].items()} == types
    assert isinstance(got["dynamodb"]["ApproximateCreationDateTime"], float)


def test_dynamodb_event_rejects_an_incomplete_record():
    with pytest.raises(ValueError, match="eventSourceARN"):
        records.dynamodb_event([{"eventID": "1", "eventName": "INSERT", "eventVersion": "1.1",
                                 "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": {}}])


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
    got = records.stream_failure_record(
        "kinesis", request_id=ref["requestContext"]["requestId"], function_arn=ref["requestContext"]["functionArn"],
        condition="RetryAttemptsExhausted", approximate_invoke_count=1, status_code=200, executed_version="$LATEST",
        function_error="Unhandled", shard_id=info["shardId"], start_seq=info["startSequenceNumber"],
        end_seq=info["endSequenceNumber"], first_arrival=1573691884.835, last_arrival=1573691885.580,
        batch_size=500, source_arn=info["streamArn"], timestamp=1573691886.021)
    assert json.dumps(got) == json.dumps(ref)


def test_dynamodb_failure_record_uses_ddb_batch_info_and_whole_seconds():
    got = records.stream_failure_record(
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
        records.stream_failure_record("sqs", **{k: None for k in (
            "request_id", "function_arn", "condition", "approximate_invoke_count", "status_code",
            "executed_version", "function_error", "shard_id", "start_seq", "end_seq", "first_arrival",
            "last_arrival", "batch_size", "source_arn", "timestamp")})


def test_async_destination_record_failure_and_success():
    failed = records.async_destination_record(
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

    ok = records.async_destination_record(
        request_id="x", function_arn="f:$LATEST", condition="Success", approximate_invoke_count=1,
        request_payload={"Success": True}, status_code=200, executed_version="$LATEST", function_error=None,
        response_payload=b"not json", timestamp=0.0)
    assert ok["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert ok["responsePayload"] == "not json"
    assert ok["timestamp"] == "1970-01-01T00:00:00.000Z"

    aged = records.async_destination_record(
        request_id="y", function_arn="f:$LATEST", condition="EventAgeExceeded", approximate_invoke_count=0,
        request_payload=b"", status_code=None, executed_version=None, function_error=None, response_payload=None,
        timestamp=0.9996)
    assert "responseContext" not in aged and "responsePayload" not in aged
    assert aged["requestPayload"] is None
    assert aged["timestamp"] == "1970-01-01T00:00:01.000Z"
