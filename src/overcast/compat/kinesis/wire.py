"""Kinesis's JSON 1.1 wire format (pure): responses, errors, shapes, shard iterators.

boto3 speaks JSON 1.1 to Kinesis (``application/x-amz-json-1.1``): blobs are
base64 strings, timestamps epoch seconds as numbers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time

import orjson

from overcast.asgi import Answer
from overcast.errors import OvercastError
from overcast.streams import shards
from overcast.streams.config import StreamInfo, name_from_arn
from overcast.streams.errors import ExpiredIterator, InvalidArgument, StreamNotFound, ValidationError
from overcast.streams.records import Record

TARGET_PREFIX = "Kinesis_20131202."
SIGNING_NAME = "kinesis"
CONTENT_TYPE = b"application/x-amz-json-1.1"
ITERATOR_TTL = 300.0  # Kinesis: a shard iterator expires 5 minutes after it is returned
_CHECK_KEY = b"overcast.kinesis.iterator.v1"



def response(status: int, body: dict, request_id: str) -> Answer:
    headers = [(b"content-type", CONTENT_TYPE), (b"x-amzn-requestid", request_id.encode())]
    return status, headers, orjson.dumps(body)


def error(exc: OvercastError, request_id: str) -> Answer:
    # Kinesis sends the bare error name in __type; boto3 raises the exception class of that name
    body = {"__type": exc.aws_name or "InternalFailure", "message": exc.message}
    return response(exc.http_status if exc.http_status < 500 else 500, body, request_id)


def blob(value: object, field: str) -> bytes:
    """A base64 blob of a request."""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a base64-encoded blob")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(f"{field} is not valid base64") from None


def shard_shape(index: int, count: int) -> dict:
    start, end = shards.hash_ranges(count)[index]
    return {"ShardId": shards.shard_id(index),
            "HashKeyRange": {"StartingHashKey": str(start), "EndingHashKey": str(end)},
            "SequenceNumberRange": {"StartingSequenceNumber": shards.sequence_number(index, 0)}}


def summary_shape(info: StreamInfo) -> dict:
    return {"StreamName": info.name, "StreamARN": info.arn, "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": "PROVISIONED"}, "StreamCreationTimestamp": info.created}


def description_shape(info: StreamInfo, first: int, last: int) -> dict:
    """DescribeStream's StreamDescription, with shards ``first`` up to (excluding) ``last``."""
    return {**summary_shape(info), "RetentionPeriodHours": info.retention_hours,
            "Shards": [shard_shape(i, info.shards) for i in range(first, last)],
            "HasMoreShards": last < info.shards, "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE"}


def description_summary_shape(info: StreamInfo) -> dict:
    return {**summary_shape(info), "RetentionPeriodHours": info.retention_hours,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}], "EncryptionType": "NONE",
            "OpenShardCount": info.shards, "ConsumerCount": 0}


def record_shape(record: Record) -> dict:
    return {"SequenceNumber": record.sequence_number, "ApproximateArrivalTimestamp": record.arrival,
            "Data": base64.b64encode(record.data).decode("ascii"), "PartitionKey": record.partition_key}


def make_iterator(stream: str, shard: int, js_seq: int, now: float | None = None) -> str:
    """An opaque shard iterator: stream, shard, next JetStream sequence and expiry, with a check.

    The check catches damaged or made-up iterators; it is not a secret: streams do not
    enforce ownership, so an iterator grants nothing a key could not already read.
    """
    expiry = int(((now if now is not None else time.time()) + ITERATOR_TTL) * 1000)
    body = base64.urlsafe_b64encode(orjson.dumps([stream, shard, js_seq, expiry])).decode("ascii").rstrip("=")
    return f"{body}.{_check(body)}"


def read_iterator(token: object, now: float | None = None) -> tuple[str, int, int]:
    """(stream, shard, next JetStream sequence) of an iterator; InvalidArgument or ExpiredIterator otherwise."""
    if not isinstance(token, str) or not 1 <= len(token) <= 512:
        raise InvalidArgument("ShardIterator must be a string of 1-512 characters")
    body, _, check = token.rpartition(".")
    if not body or check != _check(body):
        raise InvalidArgument(f"Invalid ShardIterator: {token[:64]}")
    try:
        stream, shard, js_seq, expiry = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidArgument(f"Invalid ShardIterator: {token[:64]}") from None
    if expiry < (now if now is not None else time.time()) * 1000:
        # Kinesis's wording
        raise ExpiredIterator(f"Iterator expired. The iterator was created at time "
                              f"{_fmt(expiry / 1000 - ITERATOR_TTL)} while right now it is {_fmt(now)} which is "
                              f"further in the future than the tolerated delay of {int(ITERATOR_TTL * 1000)} "
                              "milliseconds.")
    return stream, shard, js_seq


# request fields

def required(req: dict, field: str) -> str:
    value = req.get(field)
    if not isinstance(value, str):
        raise ValidationError(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: "
                              "Member must not be null")
    return value


def stream_name(req: dict) -> str:
    """The stream a request names, by StreamName or StreamARN."""
    if isinstance(req.get("StreamName"), str):
        return req["StreamName"]
    if isinstance(req.get("StreamARN"), str):
        return name_from_arn(req["StreamARN"])
    raise InvalidArgument("Either StreamName or StreamARN should be provided.")


def shard_of(text: object, info: StreamInfo) -> int:
    try:
        index = shards.shard_index(text)
    except ValueError:
        index = -1
    if not 0 <= index < info.shards:
        from overcast.runtime.config import ACCOUNT_ID

        # Kinesis's own wording
        raise StreamNotFound(f"Shard {text} in stream {info.name} under account {ACCOUNT_ID} does not exist")
    return index


def after_shard(text: object, count: int) -> int:
    """Index of the first shard after ``ExclusiveStartShardId`` (0 without one)."""
    if text is None:
        return 0
    try:
        return min(count, shards.shard_index(text) + 1)
    except ValueError:
        raise InvalidArgument(f"invalid shard id {text!r}") from None


def int_param(req: dict, field: str, default: int, low: int, high: int) -> int:
    value = req.get(field, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidArgument(f"{field} must be {low}-{high}, got {value!r}")
    return value


def _check(body: str) -> str:
    return hashlib.blake2b(body.encode("ascii"), key=_CHECK_KEY, digest_size=8).hexdigest()


def _fmt(at: float | None) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(at))
