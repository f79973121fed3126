"""Event shapes against the AWS samples, key by key and in AWS's order."""

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
