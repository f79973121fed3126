"""Create, update, describe, delete and list Kinesis-compatible streams (JetStream).

One JetStream stream per Kinesis stream (file storage, ``max_age`` = retention,
direct get on); its settings live in the stream config's metadata. Ownership is
recorded (``owner``) but not enforced: any key the platform issued reaches any stream.
"""

from __future__ import annotations

import weakref

import orjson
from nats.js.errors import APIError, NotFoundError

from overcast.engine import subjects
from overcast.streams import config as cfg
from overcast.streams.config import StreamInfo
from overcast.streams.errors import InvalidArgument, StreamInUse, StreamNotFound, not_found

_STREAM_EXISTS = 10058  # JetStream: stream name already in use with a different configuration
_LIST_FILTER = f"{subjects.PREFIX}.ks.>"

# shard count per stream name, per connection: the put hot path describes a stream once
_shard_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache(nc) -> dict[str, int]:
    try:
        return _shard_counts.setdefault(nc, {})
    except TypeError:  # an object that cannot be weakly referenced: no cache
        return {}


def forget(nc, name: str) -> None:
    """Drop the cached shard count of a stream (deleted, or a publish found no stream)."""
    _cache(nc).pop(name, None)


async def shard_count(nc, name: str) -> int:
    """The number of shards of a stream, described once per connection and cached."""
    cache = _cache(nc)
    count = cache.get(name)
    if count is None:
        count = cache[name] = (await describe_stream(nc, name)).shards
    return count


async def create_stream(nc, name: str, shards: int, retention_hours: int = 24, owner: str | None = None) -> StreamInfo:
    """Create a stream; :class:`StreamInUse` if one of that name exists."""
    info = cfg.new_info(name, shards, retention_hours, owner)
    try:
        await describe_stream(nc, name)
    except StreamNotFound:
        pass
    else:
        raise _in_use(name)
    try:
        await nc.jetstream().add_stream(cfg.stream_config(info))
    except APIError as exc:
        if exc.err_code == _STREAM_EXISTS:
            raise _in_use(name) from None
        raise
    _cache(nc)[name] = info.shards
    return info


async def ensure_stream(nc, name: str, shards: int, retention_hours: int, owner: str | None) -> StreamInfo:
    """Deploy a stream: create it, or update its retention and owner.

    A different shard count is an error: resharding is not supported.
    """
    try:
        current = await describe_stream(nc, name)
    except StreamNotFound:
        return await create_stream(nc, name, shards, retention_hours, owner)
    cfg.check_shards(shards)
    if shards != current.shards:
        raise InvalidArgument(f"stream {name} has {current.shards} shards and the stack asks for {shards}: "
                              "resharding is not supported; delete the stream and deploy again to change it")
    cfg.check_retention(retention_hours)
    if retention_hours == current.retention_hours and owner == current.owner:
        return current
    updated = StreamInfo(current.name, current.arn, current.shards, retention_hours, current.created, owner)
    await nc.jetstream().update_stream(cfg.stream_config(updated))
    return updated


async def describe_stream(nc, name: str) -> StreamInfo:
    """The settings of a stream; :class:`StreamNotFound` if there is none of that name."""
    cfg.check_name(name)
    try:
        si = await nc.jetstream().stream_info(subjects.kinesis_stream(name))
    except NotFoundError:
        raise not_found(name) from None
    info = cfg.info_from_config(si.config)
    if info is None:
        raise not_found(name)
    return info


async def last_sequence(nc, name: str) -> int:
    """The JetStream sequence of the newest message of the stream (0 when it is empty)."""
    try:
        si = await nc.jetstream().stream_info(subjects.kinesis_stream(name))
    except NotFoundError:
        raise not_found(name) from None
    return si.state.last_seq


async def delete_stream(nc, name: str) -> None:
    """Delete a stream and its records; :class:`StreamNotFound` if there is none of that name."""
    cfg.check_name(name)
    forget(nc, name)
    try:
        await nc.jetstream().delete_stream(subjects.kinesis_stream(name))
    except NotFoundError:
        raise not_found(name) from None


async def list_infos(nc) -> list[StreamInfo]:
    """Every Kinesis stream's settings, sorted by name."""
    found: list[StreamInfo] = []
    offset = 0
    while True:
        req = orjson.dumps({"offset": offset, "subject": _LIST_FILTER})
        resp = orjson.loads((await nc.request("$JS.API.STREAM.LIST", req, timeout=5)).data)
        page = resp.get("streams") or []
        for item in page:
            meta = (item.get("config") or {}).get("metadata") or {}
            info = cfg.info_from_config(_Config(meta))
            if info is not None:
                found.append(info)
        offset += len(page)
        if not page or offset >= resp.get("total", 0):
            break
    return sorted(found, key=lambda i: i.name)


async def list_streams(nc) -> list[str]:
    """Names of every Kinesis stream, sorted."""
    return [info.name for info in await list_infos(nc)]


class _Config:
    def __init__(self, metadata: dict) -> None:
        self.metadata = metadata


def _in_use(name: str) -> StreamInUse:
    from overcast.runtime.config import ACCOUNT_ID

    # Kinesis's own wording
    return StreamInUse(f"Stream {name} under account {ACCOUNT_ID} already exists.")
