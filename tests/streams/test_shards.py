"""Pure shard rules: hash ranges, MD5 mapping, explicit hash keys, sequence numbers."""

from __future__ import annotations

import hashlib

import pytest

from overcast.streams import shards

HASH_MAX = 2**128 - 1


def test_shard_ids_round_trip():
    assert shards.shard_id(0) == "shardId-000000000000"
    assert shards.shard_id(12) == "shardId-000000000012"
    assert all(shards.shard_index(shards.shard_id(i)) == i for i in (0, 1, 63, 999))


@pytest.mark.parametrize("bad", ["", "shardId-", "shardId-12", "shard-000000000000", "shardId-00000000000x",
                                 "shardId-0000000000000", None, 5])
def test_malformed_shard_ids(bad):
    with pytest.raises(ValueError):
        shards.shard_index(bad)


def test_hash_ranges_split_the_key_space_as_kinesis_does():
    assert shards.hash_ranges(1) == [(0, HASH_MAX)]
    assert shards.hash_ranges(2) == [(0, 2**127 - 1), (2**127, HASH_MAX)]
    # the split Kinesis reports for a 3-shard stream
    assert shards.hash_ranges(3) == [
        (0, 113427455640312821154458202477256070484),
        (113427455640312821154458202477256070485, 226854911280625642308916404954512140969),
        (226854911280625642308916404954512140970, HASH_MAX),
    ]
    for count in (1, 4, 7, 64):
        ranges = shards.hash_ranges(count)
        assert ranges[0][0] == 0 and ranges[-1][1] == HASH_MAX
        assert all(prev[1] + 1 == nxt[0] for prev, nxt in zip(ranges, ranges[1:], strict=False))
    with pytest.raises(ValueError):
        shards.hash_ranges(0)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 64])
def test_partition_keys_land_in_the_range_holding_their_md5(count):
    ranges = shards.hash_ranges(count)
    for i in range(300):
        key = f"key-{i}-é"
        md5 = int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16)
        shard = shards.shard_for(key, count)
        start, end = ranges[shard]
        assert start <= md5 <= end


def test_explicit_hash_key_overrides_the_partition_key():
    ranges = shards.hash_ranges(3)
    for index, (start, end) in enumerate(ranges):
        for value in (start, end, (start + end) // 2):
            assert shards.shard_for("ignored", 3, str(value)) == index
    assert shards.shard_for("x", 3, str(HASH_MAX)) == 2
    for bad in ("-1", str(2**128), "12a", "", " 1"):
        with pytest.raises(ValueError):
            shards.shard_for("x", 3, bad)


def test_sequence_numbers_grow_with_the_jetstream_sequence():
    seqs = [shards.sequence_number(3, n) for n in (0, 1, 2, 9, 10, 99, 100, 2**40, 2**64)]
    assert all(len(s) == 56 and s.isdigit() for s in seqs)
    assert seqs == sorted(seqs) and [int(s) for s in seqs] == sorted(int(s) for s in seqs)
    assert len(set(seqs)) == len(seqs)


def test_sequence_numbers_round_trip():
    for shard, js_seq in ((0, 1), (7, 123456789), (63, 2**64 - 1)):
        assert shards.parse_sequence_number(shards.sequence_number(shard, js_seq)) == (shard, js_seq)


@pytest.mark.parametrize("bad", ["", "12", "x" * 56, "1" * 56, "49" + "0" * 53, "49" + "0" * 55, None, 49])
def test_garbage_sequence_numbers(bad):
    with pytest.raises(ValueError):
        shards.parse_sequence_number(bad)
