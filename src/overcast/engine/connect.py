"""Connections to the engine and the JetStream resources every process expects."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js.api import KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError

from overcast.engine import subjects
from overcast.errors import EngineError

log = logging.getLogger("overcast.engine")

LOGS_MAX_AGE_S = 7 * 24 * 3600
LOGS_MAX_BYTES = 512 * 1024 * 1024
# Async invocations are kept past the longest maximumEventAge (6 h), so an expired one is reported
# (EventAgeExceeded) by the dispatcher rather than silently dropped by the engine.
ASYNC_MAX_AGE_S = 24 * 3600


async def connect(url: str, name: str, *, connect_timeout: float = 5.0) -> Client:
    """Connect to NATS; reconnect forever once connected (the engine may restart)."""
    async def on_error(exc: Exception) -> None:
        log.warning("%s: NATS: %s", name, exc or type(exc).__name__)

    async def on_disconnect() -> None:
        log.debug("%s: disconnected from NATS", name)

    try:
        return await nats.connect(
            url, name=name, connect_timeout=connect_timeout, max_reconnect_attempts=-1,
            reconnect_time_wait=0.25, allow_reconnect=True, error_cb=on_error, disconnected_cb=on_disconnect,
        )
    except Exception as exc:  # nats raises several unrelated types here
        raise EngineError(f"cannot reach NATS at {url}: {exc}") from exc


async def ensure_resources(nc: Client) -> None:
    """Create the desired-state bucket, the logs and async-invocation streams if they are missing."""
    js = nc.jetstream()
    await bucket(nc, subjects.STACKS_BUCKET, history=64)
    try:
        await js.stream_info(subjects.LOGS_STREAM)
    except NotFoundError:
        await js.add_stream(StreamConfig(
            name=subjects.LOGS_STREAM, subjects=[subjects.LOGS_WILDCARD], storage=StorageType.FILE,
            max_age=LOGS_MAX_AGE_S, max_bytes=LOGS_MAX_BYTES,
        ))
    try:
        await js.stream_info(subjects.ASYNC_STREAM)
    except NotFoundError:
        await js.add_stream(StreamConfig(
            name=subjects.ASYNC_STREAM, subjects=[subjects.ASYNC_WILDCARD], storage=StorageType.FILE,
            retention=RetentionPolicy.WORK_QUEUE, max_age=ASYNC_MAX_AGE_S,
        ))


async def bucket(nc: Client, name: str, **config):
    """The KV bucket ``name``, created with ``config`` (KeyValueConfig fields) on first use."""
    js = nc.jetstream()
    try:
        return await js.key_value(name)
    except BucketNotFoundError:
        return await js.create_key_value(KeyValueConfig(bucket=name, **config))


async def live_keys(kv) -> list[str]:
    """The keys of a KV bucket that hold a value, read from the stream's own subject list.

    nats-py's ``kv.keys()`` collects them through a short-lived watcher, which was seen (under load) to end
    before every key had arrived — a deployed stack missing from a deploy's view of the platform. The
    stream's subject list is the server's own; a key whose last entry is a delete marker is left out.
    """
    from nats.js.errors import KeyNotFoundError

    prefix = f"$KV.{kv._name}."
    info = await kv._js.stream_info(kv._stream, subjects_filter=f"{prefix}>")
    out = []
    for subject in sorted((info.state.subjects or {})):
        key = subject[len(prefix):]
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:  # deleted or purged
            continue
        if entry.value is not None and entry.operation not in ("DEL", "PURGE"):
            out.append(key)
    return out
