"""Pure parts of queues: attribute checks, digests, receipts, the Lambda record shape, SQS error shape."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import orjson
import pytest

from overcast.compat.sqs import wire
from overcast.errors import LimitExceeded
from overcast.limits import LIMITS
from overcast.queues import digest, settings
from overcast.queues.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    QueueDoesNotExist,
    ReceiptHandleIsInvalid,
)
from overcast.queues.model import Message, lambda_record, parse_receipt, receipt_handle

SAMPLE = Path("/work/shared/aws-events/sqs.json")


def test_attribute_ranges_name_their_limit():
    with pytest.raises(InvalidAttributeValue, match="sqs.visibility_timeout"):
        settings.validate("q", {"VisibilityTimeout": "43201"})
    with pytest.raises(InvalidAttributeName):
        settings.validate("q", {"ContentBasedDeduplication": "true"})  # FIFO only
    with pytest.raises(InvalidAttributeValue):
        settings.validate("q", {"RedrivePolicy": '{"deadLetterTargetArn": "arn:aws:sqs:r:1:d"}'})
    out = settings.validate("q.fifo", {"ContentBasedDeduplication": "TRUE", "DelaySeconds": "07"})
    assert out == {"ContentBasedDeduplication": "true", "DelaySeconds": "7"}
    with pytest.raises(InvalidParameterValue):
        settings.check_name("a" * 81)


def test_message_attribute_digest_follows_the_sqs_encoding():
    attrs = {"b": {"DataType": "Binary", "BinaryValue": "AAE="}, "a": {"DataType": "String", "StringValue": "x"}}
    expected = b"".join([struct.pack(">I", 1), b"a", struct.pack(">I", 6), b"String", b"\x01", struct.pack(">I", 1),
                         b"x", struct.pack(">I", 1), b"b", struct.pack(">I", 6), b"Binary", b"\x02",
                         struct.pack(">I", 2), b"\x00\x01"])
    assert digest.md5_of_attributes(digest.check_attributes(attrs)) == hashlib.md5(expected).hexdigest()
    assert digest.md5_of_attributes({}) is None
    assert digest.attributes_size(attrs) == (1 + 6 + 2) + (1 + 6 + 1)
    assert set(digest.select(attrs, ["a"])) == {"a"} and set(digest.select(attrs, ["All"])) == {"a", "b"}
    with pytest.raises(InvalidParameterValue):
        digest.check_attributes({"n": {"DataType": "Number", "StringValue": "nope"}})


def test_receipts_round_trip_and_reject_garbage():
    assert parse_receipt(receipt_handle(42, "abc")) == (42, "abc")
    with pytest.raises(ReceiptHandleIsInvalid):
        parse_receipt("garbage")


def test_lambda_record_has_the_sample_fields():
    sample = json.loads(SAMPLE.read_text())["Records"][1]
    msg = Message("id", "rh", "body", {"ApproximateReceiveCount": "1"}, {}, digest.md5_of_body("body"))
    record = lambda_record(msg, "arn:aws:sqs:us-east-2:123456789012:my-queue", "us-east-2")
    assert list(record) == list(sample)
    assert set(sample["attributes"]) <= {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"}


def test_sqs_error_shape_for_boto3():
    status, headers, body = wire.error(QueueDoesNotExist("q"), "rid")
    assert status == 400
    assert orjson.loads(body)["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert (b"x-amzn-query-error", b"AWS.SimpleQueueService.NonExistentQueue;Sender") in headers
    status, _, body = wire.error(LimitExceeded(LIMITS["sqs.message_size"], 300000), "rid")
    assert status == 400 and "sqs.message_size" in orjson.loads(body)["message"]
    assert wire.queue_name({"QueueUrl": "http://h:1/000000000000/my-q"}) == "my-q"
