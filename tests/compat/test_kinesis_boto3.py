"""The Kinesis-compatible endpoint driven by an unmodified boto3 client against a real platform."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.config import Config

from overcast.streams import shards
from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack


@pytest.fixture(scope="module")
def kinesis(tmp_path_factory):
    stack = copy_stack(FIXTURES / "kinesis", tmp_path_factory.mktemp("kinesis") / "kinesis")
    with running_platform(stack) as p:
        yield p.aws_session().client("kinesis", endpoint_url=p.url, config=Config(retries={"max_attempts": 1}))


@pytest.fixture
def stream(kinesis):
    name = f"orders-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=3)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 5})
    yield name
    kinesis.delete_stream(StreamName=name)


def test_create_describe_list_delete(kinesis):
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 5})
    desc = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    assert desc["StreamStatus"] == "ACTIVE" and desc["RetentionPeriodHours"] == 24
    assert desc["StreamARN"] == f"arn:aws:kinesis:us-east-1:000000000000:stream/{name}"
    assert [s["ShardId"] for s in desc["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    assert desc["Shards"][1]["HashKeyRange"] == {"StartingHashKey": str(2**127), "EndingHashKey": str(2**128 - 1)}
    summary = kinesis.describe_stream_summary(StreamARN=desc["StreamARN"])["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2 and summary["StreamCreationTimestamp"].year >= 2024
    assert name in kinesis.list_streams(Limit=10000)["StreamNames"]
    with pytest.raises(kinesis.exceptions.ResourceInUseException):
        kinesis.create_stream(StreamName=name, ShardCount=2)
    kinesis.delete_stream(StreamName=name)
    kinesis.get_waiter("stream_not_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 5})
    assert name not in kinesis.list_streams(Limit=10000)["StreamNames"]


def test_list_shards_pages(kinesis, stream):
    first = kinesis.list_shards(StreamName=stream, MaxResults=2)
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    rest = kinesis.list_shards(NextToken=first["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"] and "NextToken" not in rest
    ranges = [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
              for s in first["Shards"] + rest["Shards"]]
    assert ranges == shards.hash_ranges(3)


def _read_all(kinesis, stream, shard_id, kind="TRIM_HORIZON", **extra):
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType=kind,
                                    **extra)["ShardIterator"]
    out = kinesis.get_records(ShardIterator=it, Limit=1000)
    return out["Records"], out


def test_put_record_and_read_in_order(kinesis, stream):
    sent: dict[str, list[tuple[str, bytes]]] = {}
    for i in range(12):
        out = kinesis.put_record(StreamName=stream, Data=f"event-{i}".encode(), PartitionKey=f"device-{i % 5}")
        assert out["ShardId"] == shards.shard_id(shards.shard_for(f"device-{i % 5}", 3))
        sent.setdefault(out["ShardId"], []).append((out["SequenceNumber"], f"event-{i}".encode()))
    for shard_id, expected in sent.items():
        records, out = _read_all(kinesis, stream, shard_id)
        assert [(r["SequenceNumber"], r["Data"]) for r in records] == expected
        assert out["MillisBehindLatest"] == 0 and out["NextShardIterator"]
        assert abs(records[0]["ApproximateArrivalTimestamp"].timestamp() - time.time()) < 60
        assert records[0]["PartitionKey"].startswith("device-")
        # paging with Limit, then continuing from NextShardIterator
        it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        page = kinesis.get_records(ShardIterator=it, Limit=1)
        more = kinesis.get_records(ShardIterator=page["NextShardIterator"])
        assert [r["SequenceNumber"] for r in page["Records"] + more["Records"]] == [s for s, _ in expected]
        empty = kinesis.get_records(ShardIterator=more["NextShardIterator"])
        assert empty["Records"] == [] and empty["NextShardIterator"]


def test_iterator_types(kinesis, stream):
    shard_id = "shardId-000000000000"
    hash_key = "0"  # the first shard's range starts at 0
    seqs = [kinesis.put_record(StreamName=stream, Data=f"r{i}".encode(), PartitionKey="k",
                               ExplicitHashKey=hash_key)["SequenceNumber"] for i in range(4)]
    records, _ = _read_all(kinesis, stream, shard_id, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1])
    assert [r["SequenceNumber"] for r in records] == seqs[1:]
    records, _ = _read_all(kinesis, stream, shard_id, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1])
    assert [r["SequenceNumber"] for r in records] == seqs[2:]
    records, _ = _read_all(kinesis, stream, shard_id, "AT_TIMESTAMP", Timestamp=time.time() - 3600)
    assert [r["SequenceNumber"] for r in records] == seqs
    records, _ = _read_all(kinesis, stream, shard_id, "AT_TIMESTAMP", Timestamp=time.time() + 3600)
    assert records == []
    latest = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                        ShardIteratorType="LATEST")["ShardIterator"]
    assert kinesis.get_records(ShardIterator=latest)["Records"] == []
    new = kinesis.put_record(StreamName=stream, Data=b"new", PartitionKey="k", ExplicitHashKey=hash_key)
    got = kinesis.get_records(ShardIterator=latest)["Records"]
    assert [(r["SequenceNumber"], r["Data"]) for r in got] == [(new["SequenceNumber"], b"new")]
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000001",
                                   ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[0])


def test_put_records_reports_each_record(kinesis, stream):
    out = kinesis.put_records(StreamName=stream, Records=[
        {"Data": f"b{i}".encode(), "PartitionKey": f"p{i}"} for i in range(20)])
    assert out["FailedRecordCount"] == 0 and len(out["Records"]) == 20
    seen = []
    for i in range(3):
        records, _ = _read_all(kinesis, stream, shards.shard_id(i))
        seen += [r["Data"] for r in records]
    assert sorted(seen) == sorted(f"b{i}".encode() for i in range(20))
    by_shard: dict[str, list[str]] = {}
    for rec in out["Records"]:
        by_shard.setdefault(rec["ShardId"], []).append(rec["SequenceNumber"])
    assert all(shards.parse_sequence_number(s)[0] == shards.shard_index(k) for k, v in by_shard.items() for s in v)


def test_errors(kinesis, stream):
    missing = f"missing-{uuid.uuid4().hex[:6]}"
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.describe_stream(StreamName=missing)
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.put_record(StreamName=missing, Data=b"x", PartitionKey="k")
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000009", ShardIteratorType="LATEST")
    with pytest.raises(kinesis.exceptions.ValidationException) as exc:
        kinesis.put_record(StreamName=stream, Data=b"x" * (1024 * 1024), PartitionKey="k")
    assert "kinesis.record_size" in str(exc.value)
    with pytest.raises(kinesis.exceptions.ValidationException):
        kinesis.put_records(StreamName=stream, Records=[{"Data": b"ok", "PartitionKey": "k"},
                                                        {"Data": b"x" * (1024 * 1024), "PartitionKey": "k"}])
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.get_records(ShardIterator="not-an-iterator")
    with pytest.raises(kinesis.exceptions.LimitExceededException, match="kinesis.shards_per_stream"):
        kinesis.create_stream(StreamName=f"big-{uuid.uuid4().hex[:6]}", ShardCount=100_000)


def test_expired_iterator(kinesis, stream):
    from overcast.compat.kinesis import wire

    old = wire.make_iterator(stream, 0, 1, now=time.time() - wire.ITERATOR_TTL - 1)
    with pytest.raises(kinesis.exceptions.ExpiredIteratorException):
        kinesis.get_records(ShardIterator=old)
    tampered = wire.make_iterator(stream, 0, 1)
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.get_records(ShardIterator=tampered[:-1] + ("0" if tampered[-1] != "0" else "1"))
