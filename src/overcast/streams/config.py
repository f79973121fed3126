"""Stream settings and input validation (pure).

A stream's settings (shards, retention, creation time, owner) live in the metadata
of its JetStream stream config, the one source of truth: :func:`stream_config` writes
them, :func:`info_from_config` reads them back.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote

from nats.js.api import StorageType, StreamConfig

from overcast import limits
from overcast.engine import subjects
from overcast.streams import shards as rules
from overcast.streams.errors import InvalidArgument, ValidationError, over_limit

_META = "overcast.kinesis."
_NAME = re.compile(r"[a-zA-Z0-9_.\-]{1,128}")
PARTITION_KEY_MAX = 256
# the header a record's partition key travels in, percent-encoded (NATS headers are ASCII lines)
PARTITION_KEY_HEADER = "Kinesis-Partition-Key"


@dataclass(frozen=True)
class StreamInfo:
    name: str
    arn: str
    shards: int
    retention_hours: int
    created: float  # epoch seconds
    owner: str | None


def arn(name: str) -> str:
    from overcast.runtime.config import ACCOUNT_ID, REGION

    return f"arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/{name}"


def name_from_arn(text: str) -> str:
    """The stream name of a stream ARN (any region/account: there is one platform)."""
    prefix, sep, name = str(text).rpartition(":stream/")
    if not sep or not prefix.startswith("arn:") or not name:
        raise InvalidArgument(f"not a stream ARN: {text!r}")
    return name


def check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        # Kinesis's schema: 1-128 characters of [a-zA-Z0-9_.-]
        raise ValidationError(f"1 validation error detected: Value {name!r} at 'streamName' failed to satisfy "
                              "constraint: Member must have length 1-128 and match [a-zA-Z0-9_.-]+")
    return name


def check_shards(count: object) -> int:
    lim = limits.LIMITS["kinesis.shards_per_stream"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InvalidArgument(f"shard count must be an integer of at least 1, got {count!r}")
    if count > lim.value:
        raise over_limit("kinesis.shards_per_stream", count)
    return count


def check_retention(hours: object) -> int:
    lim = limits.LIMITS["kinesis.retention_hours"]
    if not isinstance(hours, int) or isinstance(hours, bool) or not lim.minimum <= hours <= lim.value:
        raise InvalidArgument(f"retention must be {lim.minimum}-{lim.value} hours (limit {lim.name}), got {hours!r}")
    return hours


def check_record(data: bytes, partition_key: object, explicit_hash_key: str | None, shard_count: int) -> int:
    """Validate one record; return the index of the shard it goes to."""
    if not isinstance(partition_key, str) or not 1 <= len(partition_key) <= PARTITION_KEY_MAX:
        size = len(partition_key) if isinstance(partition_key, str) else partition_key
        raise ValidationError(f"partition key must be 1-{PARTITION_KEY_MAX} characters, got {size!r}")
    size = len(data) + len(partition_key.encode("utf-8"))
    if size > limits.LIMITS["kinesis.record_size"].value:
        raise over_limit("kinesis.record_size", size, "record (data + partition key)")
    try:
        return rules.shard_for(partition_key, shard_count, explicit_hash_key)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def stream_config(info: StreamInfo) -> StreamConfig:
    """The JetStream stream config of a Kinesis stream, its settings in the metadata."""
    meta = {_META + "name": info.name, _META + "shards": str(info.shards),
            _META + "retention_hours": str(info.retention_hours), _META + "created": repr(info.created)}
    if info.owner is not None:
        meta[_META + "owner"] = info.owner
    return StreamConfig(
        name=subjects.kinesis_stream(info.name), description=f"Kinesis-compatible stream {info.name}",
        subjects=[subjects.kinesis_shard(info.name, i) for i in range(info.shards)],
        storage=StorageType.FILE, max_age=info.retention_hours * 3600.0, allow_direct=True, metadata=meta,
    )


def new_info(name: str, shards: int, retention_hours: int, owner: str | None) -> StreamInfo:
    return StreamInfo(check_name(name), arn(name), check_shards(shards), check_retention(retention_hours),
                      round(time.time(), 3), owner)


def info_from_config(config: StreamConfig) -> StreamInfo | None:
    """The settings kept in a JetStream stream config, or None when it is not a Kinesis stream."""
    meta = config.metadata or {}
    name = meta.get(_META + "name")
    if name is None:
        return None
    return StreamInfo(name, arn(name), int(meta[_META + "shards"]), int(meta[_META + "retention_hours"]),
                      float(meta[_META + "created"]), meta.get(_META + "owner"))


def encode_partition_key(key: str) -> str:
    return quote(key, safe="")


def decode_partition_key(text: str) -> str:
    return unquote(text)
