"""The stream data plane on a real nats-server: create, describe, put, read, consume."""

from __future__ import annotations

import time
import uuid

import nats
import pytest

from overcast.engine import subjects
from overcast.errors import LimitExceeded, OvercastError
from overcast.streams import shards, store
from overcast.streams.errors import InvalidArgument, StreamInUse, StreamNotFound, ValidationError


@pytest.fixture
async def nc(engine_url):
    conn = await nats.connect(engine_url)
    yield conn
    await conn.close()


def _name() -> str:
    return f"ks-{uuid.uuid4().hex[:10]}.test"


async def test_create_describe_list_delete(nc):
    name = _name()
    before = time.time()
    info = await store.create_stream(nc, name, 3, owner="stack-a")
    assert info.shards == 3 and info.retention_hours == 24 and info.owner == "stack-a"
    assert info.arn.endswith(f":stream/{name}") and info.arn.startswith("arn:aws:kinesis:")
    assert before - 1 <= info.created <= time.time() + 1
    assert await store.describe_stream(nc, name) == info
    assert name in await store.list_streams(nc)
    js_config = (await nc.jetstream().stream_info(subjects.kinesis_stream(name))).config
    assert js_config.allow_direct and js_config.max_age == 24 * 3600
    with pytest.raises(StreamInUse):
        await store.create_stream(nc, name, 3)
    await store.delete_stream(nc, name)
    with pytest.raises(StreamNotFound):
        await store.describe_stream(nc, name)
    with pytest.raises(StreamNotFound):
        await store.delete_stream(nc, name)
    assert name not in await store.list_streams(nc)


async def test_bad_settings_name_the_limit(nc):
    with pytest.raises(LimitExceeded, match="kinesis.shards_per_stream") as exc:
        await store.create_stream(nc, _name(), 10_000)
    assert exc.value.aws_name == "LimitExceededException"
    with pytest.raises(InvalidArgument, match="kinesis.retention_hours"):
        await store.create_stream(nc, _name(), 1, retention_hours=5)
    with pytest.raises(ValidationError):
        await store.create_stream(nc, "bad name!", 1)


async def test_ensure_stream_updates_retention_and_refuses_resharding(nc):
    name = _name()
    first = await store.ensure_stream(nc, name, 2, 24, "s1")
    again = await store.ensure_stream(nc, name, 2, 48, "s1")
    assert again.retention_hours == 48 and again.created == first.created
    assert (await store.describe_stream(nc, name)).retention_hours == 48
    with pytest.raises(InvalidArgument, match="resharding is not supported"):
        await store.ensure_stream(nc, name, 4, 48, "s1")
    await store.delete_stream(nc, name)


async def test_put_and_read_keep_order_per_shard(nc):
    name = _name()
    await store.create_stream(nc, name, 4)
    sent: dict[int, list[tuple[str, bytes]]] = {}
    for i in range(40):
        key, data = f"user-{i % 7}", f"payload-{i}".encode()
        shard_id, seq = await store.put_record(nc, name, data, key)
        shard = shards.shard_index(shard_id)
        assert shard == shards.shard_for(key, 4)
        assert shards.parse_sequence_number(seq)[0] == shard
        sent.setdefault(shard, []).append((seq, data))
    for shard, expected in sent.items():
        records, next_seq = await store.read(nc, name, shard, 1, 100)
        assert [(r.sequence_number, r.data) for r in records] == expected
        assert all(r.shard == shard and r.partition_key.startswith("user-") for r in records)
        assert [r.js_seq for r in records] == sorted(r.js_seq for r in records)
        assert next_seq == records[-1].js_seq + 1
        assert abs(records[0].arrival - time.time()) < 60
        # paging: a limit, then on from the next sequence
        first, nxt = await store.read(nc, name, shard, 1, 1)
        rest, _ = await store.read(nc, name, shard, nxt, 100)
        assert first + rest == records
        empty, same = await store.read(nc, name, shard, next_seq, 10)
        assert empty == [] and same == next_seq
    await store.delete_stream(nc, name)


async def test_explicit_hash_key_and_odd_partition_keys(nc):
    name = _name()
    await store.create_stream(nc, name, 2)
    shard_id, _ = await store.put_record(nc, name, b"", "k", explicit_hash_key=str(2**128 - 1))
    assert shard_id == "shardId-000000000001"
    key = "héllo wörld\r\n%20:"
    shard_id, seq = await store.put_record(nc, name, b"\x00\xff", key)
    records, _ = await store.read(nc, name, shards.shard_index(shard_id), 1, 10)
    mine = [r for r in records if r.sequence_number == seq]
    assert mine[0].partition_key == key and mine[0].data == b"\x00\xff"
    with pytest.raises(InvalidArgument):
        await store.put_record(nc, name, b"x", "k", explicit_hash_key="nope")
    await store.delete_stream(nc, name)


async def test_put_records_reports_failures_per_record(nc):
    name = _name()
    await store.create_stream(nc, name, 2)
    big = b"x" * (1024 * 1024)
    results = await store.put_records(nc, name, [(b"a", "k1", None), (big, "k2", None), (b"c", "k3", None),
                                                 (b"d", "", None)])
    assert isinstance(results[0], tuple) and isinstance(results[2], tuple)
    assert isinstance(results[1], LimitExceeded) and "kinesis.record_size" in results[1].message
    assert isinstance(results[3], OvercastError) and results[3].aws_name == "ValidationException"
    total = 0
    for shard in range(2):
        records, _ = await store.read(nc, name, shard, 1, 10)
        total += len(records)
    assert total == 2
    with pytest.raises(LimitExceeded, match="kinesis.put_records_count"):
        await store.put_records(nc, name, [(b"a", "k", None)] * 501)
    with pytest.raises(StreamNotFound):
        await store.put_records(nc, _name(), [(b"a", "k", None)])
    await store.delete_stream(nc, name)


async def test_unknown_stream_errors(nc):
    name = _name()
    with pytest.raises(StreamNotFound) as exc:
        await store.put_record(nc, name, b"x", "k")
    assert exc.value.aws_name == "ResourceNotFoundException"
    with pytest.raises(StreamNotFound):
        await store.read(nc, name, 0, 1, 10)


async def test_put_after_delete_and_recreate_uses_the_new_stream(nc):
    name = _name()
    await store.create_stream(nc, name, 4)
    await store.put_record(nc, name, b"x", "k")
    other = await nats.connect(nc.connected_url.geturl())
    try:  # another process deletes and recreates it with one shard
        await store.delete_stream(other, name)
        await store.create_stream(other, name, 1)
    finally:
        await other.close()
    results = [await store.put_record(nc, name, b"y", f"k{i}") for i in range(8)]
    assert {shard for shard, _ in results} == {"shardId-000000000000"}
    await store.delete_stream(nc, name)


async def test_record_from_msg_through_a_jetstream_consumer(nc):
    name = _name()
    await store.create_stream(nc, name, 2)
    shard_id, seq = await store.put_record(nc, name, b"hello", "pk-1")
    shard = shards.shard_index(shard_id)
    psub = await nc.jetstream().pull_subscribe(subjects.kinesis_shard(name, shard), durable=None,
                                               stream=subjects.kinesis_stream(name))
    msgs = await psub.fetch(1, timeout=5)
    record = store.record_from_msg(msgs[0])
    direct, _ = await store.read(nc, name, shard, 1, 1)
    assert record == direct[0]
    assert (record.data, record.partition_key, record.sequence_number, record.shard) == (b"hello", "pk-1", seq, shard)
    await psub.unsubscribe()
    await store.delete_stream(nc, name)


async def test_sequence_at_finds_the_first_record_at_or_after_a_time(nc):
    name = _name()
    await store.create_stream(nc, name, 1)
    await store.put_record(nc, name, b"old", "k")
    records, _ = await store.read(nc, name, 0, 1, 10)
    assert await store.sequence_at(nc, name, 0, 0) == records[0].js_seq
    assert await store.sequence_at(nc, name, 0, time.time() + 3600) == records[-1].js_seq + 1
    await store.delete_stream(nc, name)
