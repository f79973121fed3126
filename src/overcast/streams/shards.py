"""Shard rules of Kinesis-compatible streams (pure): shard ids, hash-key ranges, sequence numbers.

A record goes to the shard whose hash-key range holds the MD5 of its partition key
(read as a 128-bit big-endian integer), or its explicit hash key when one is given.
A stream of N shards splits ``0 .. 2**128 - 1`` into N equal ranges, the last one
taking the remainder, as Kinesis does on CreateStream.

Sequence numbers are 56-digit decimal strings, as Kinesis's are: ``49``, the shard
index in 14 digits, then the JetStream sequence in 40 digits. Within a shard they grow
with the JetStream sequence, both as numbers and as strings.
"""

from __future__ import annotations

import hashlib

HASH_MAX = 2**128 - 1
_SHARD_PREFIX = "shardId-"
_SHARD_DIGITS = 12
_SEQ_LEAD = "49"
_SEQ_SHARD_DIGITS = 14
_SEQ_JS_DIGITS = 40
SEQUENCE_LENGTH = len(_SEQ_LEAD) + _SEQ_SHARD_DIGITS + _SEQ_JS_DIGITS


def shard_id(index: int) -> str:
    """``shardId-000000000000`` for shard 0."""
    if index < 0 or index >= 10**_SHARD_DIGITS:
        raise ValueError(f"shard index out of range: {index}")
    return f"{_SHARD_PREFIX}{index:0{_SHARD_DIGITS}d}"


def shard_index(text: str) -> int:
    """The index of a shard id; ValueError if it is not ``shardId-`` and 12 digits."""
    if not isinstance(text, str) or not text.startswith(_SHARD_PREFIX):
        raise ValueError(f"not a shard id: {text!r}")
    digits = text[len(_SHARD_PREFIX):]
    if len(digits) != _SHARD_DIGITS or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not a shard id: {text!r}")
    return int(digits)


def hash_ranges(count: int) -> list[tuple[int, int]]:
    """Inclusive (start, end) hash-key ranges of ``count`` shards, in shard order."""
    if count < 1:
        raise ValueError(f"a stream needs at least one shard, got {count}")
    step = (HASH_MAX + 1) // count
    starts = [i * step for i in range(count)]
    ends = [s - 1 for s in starts[1:]] + [HASH_MAX]
    return list(zip(starts, ends, strict=True))


def hash_key(partition_key: str) -> int:
    """The 128-bit hash key of a partition key: MD5 of its UTF-8 bytes, big-endian."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def parse_hash_key(text: str) -> int:
    """An explicit hash key: a decimal integer in ``0 .. 2**128 - 1``; ValueError otherwise."""
    if not isinstance(text, str) or not text or not text.isascii() or not text.isdigit():
        raise ValueError(f"explicit hash key must be a decimal integer, got {text!r}")
    value = int(text)
    if value > HASH_MAX:
        raise ValueError(f"explicit hash key must be at most 2^128 - 1, got {text}")
    return value


def shard_for(partition_key: str, count: int, explicit_hash_key: str | None = None) -> int:
    """Index of the shard a record goes to among ``count`` equal shards."""
    if count < 1:
        raise ValueError(f"a stream needs at least one shard, got {count}")
    key = parse_hash_key(explicit_hash_key) if explicit_hash_key is not None else hash_key(partition_key)
    step = (HASH_MAX + 1) // count
    # the last shard takes the remainder of the division
    return min(key // step, count - 1)


def sequence_number(shard: int, js_seq: int) -> str:
    """The Kinesis-style sequence number of JetStream message ``js_seq`` on shard ``shard``."""
    if shard < 0 or shard >= 10**_SEQ_SHARD_DIGITS:
        raise ValueError(f"shard index out of range: {shard}")
    if js_seq < 0 or js_seq >= 10**_SEQ_JS_DIGITS:
        raise ValueError(f"sequence out of range: {js_seq}")
    return f"{_SEQ_LEAD}{shard:0{_SEQ_SHARD_DIGITS}d}{js_seq:0{_SEQ_JS_DIGITS}d}"


def parse_sequence_number(text: str) -> tuple[int, int]:
    """(shard index, JetStream sequence) of a sequence number; ValueError if it is not one of ours."""
    if (not isinstance(text, str) or len(text) != SEQUENCE_LENGTH or not text.isascii() or not text.isdigit()
            or not text.startswith(_SEQ_LEAD)):
        raise ValueError(f"not a sequence number: {text!r}")
    body = text[len(_SEQ_LEAD):]
    return int(body[:_SEQ_SHARD_DIGITS]), int(body[_SEQ_SHARD_DIGITS:])
