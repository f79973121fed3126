"""Queues as stored: one KV entry per queue (name -> attributes JSON) and one JetStream stream.

Any process may call these. The stream keeps the messages (work-queue retention: a message
leaves it when its owner acknowledges it); the entry tells every dispatcher that the queue exists.
"""

from __future__ import annotations

import time

import orjson
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError

from overcast.engine import subjects
from overcast.engine.connect import bucket, live_keys
from overcast.queues import settings
from overcast.queues.errors import QueueDoesNotExist, QueueError, QueueNameExists
from overcast.queues.model import QueueInfo

DEDUP_WINDOW_S = 300  # SQS's FIFO deduplication interval: 5 minutes
CACHE_S = 1.0
CONSUMER = "owner"  # the one durable consumer of a queue's stream, read by the queue's owner
ACK_WAIT_S = 15 * 24 * 3600  # longer than any retention: the owner, not JetStream, decides redelivery
_cache: dict[tuple[int, str], tuple[float, QueueInfo]] = {}


async def _kv(nc: Client):
    return await bucket(nc, subjects.QUEUES_BUCKET, history=1)


def _info(doc: dict) -> QueueInfo:
    return QueueInfo(doc["name"], settings.arn(doc["name"]), doc["attributes"], doc["created"], doc.get("owner"),
                     doc.get("modified", doc["created"]))


def _doc(info: QueueInfo) -> bytes:
    return orjson.dumps({"name": info.name, "attributes": info.attributes, "created": info.created,
                         "owner": info.owner, "modified": info.modified})


def decode(value: bytes) -> QueueInfo:
    """A :data:`subjects.QUEUES_BUCKET` entry's value as a :class:`QueueInfo`."""
    return _info(orjson.loads(value))


async def _read(nc: Client, name: str) -> tuple[QueueInfo, int] | None:
    kv = await _kv(nc)
    try:
        entry = await kv.get(name)
    except (KeyNotFoundError, NotFoundError):
        return None
    if not entry.value:
        return None
    return decode(entry.value), entry.revision


async def get_queue(nc: Client, name: str) -> QueueInfo:
    if not isinstance(name, str) or not name or not _valid_key(name):
        raise QueueDoesNotExist(str(name))
    found = await _read(nc, name)
    if found is None:
        raise QueueDoesNotExist(name)
    _cache[(id(nc), name)] = (time.monotonic(), found[0])
    return found[0]


async def cached_queue(nc: Client, name: str) -> QueueInfo:
    """:func:`get_queue`, answered from a cache of about a second (the send path asks on every message)."""
    hit = _cache.get((id(nc), name))
    if hit and time.monotonic() - hit[0] < CACHE_S:
        return hit[1]
    return await get_queue(nc, name)


def forget(nc: Client, name: str) -> None:
    _cache.pop((id(nc), name), None)


def _valid_key(name: str) -> bool:
    try:
        settings.check_name(name)
        return True
    except Exception:
        return False


async def create_queue(nc: Client, name: str, attributes: dict[str, str] | None = None,
                       owner: str | None = None) -> QueueInfo:
    """Create a queue; the same call again returns it, other attribute values raise QueueNameExists (as SQS)."""
    settings.check_name(name)
    given = settings.validate(name, attributes or {})
    found = await _read(nc, name)
    if found is not None:
        return _same(found[0], given)
    now = time.time()
    info = QueueInfo(name, settings.arn(name), {**settings.defaults(name), **given}, now, owner, now)
    await _ensure_stream(nc, info)
    kv = await _kv(nc)
    try:
        await kv.create(name, _doc(info))
    except KeyWrongLastSequenceError:  # created meanwhile by another process
        found = await _read(nc, name)
        if found is None:
            raise
        return _same(found[0], given)
    forget(nc, name)
    return info


def _same(info: QueueInfo, given: dict[str, str]) -> QueueInfo:
    for key, value in given.items():
        if info.attributes.get(key, "") != value:
            raise QueueNameExists(f"A queue already exists with the same name and a different value for "
                                  f"attribute {key}")
    return info


async def set_attributes(nc: Client, name: str, attributes: dict[str, str], owner: str | None = None) -> QueueInfo:
    """Change some attributes of an existing queue (SetQueueAttributes)."""
    given = settings.validate(name, attributes)
    kv = await _kv(nc)
    for _ in range(10):
        found = await _read(nc, name)
        if found is None:
            raise QueueDoesNotExist(name)
        old, revision = found
        merged = {**old.attributes, **given}
        if merged.get("RedrivePolicy") == "":
            merged.pop("RedrivePolicy")
        info = QueueInfo(name, old.arn, merged, old.created, owner or old.owner, time.time())
        if merged.get("MessageRetentionPeriod") != old.attributes.get("MessageRetentionPeriod"):
            await _ensure_stream(nc, info)
        try:
            await kv.update(name, _doc(info), last=revision)
        except KeyWrongLastSequenceError:
            continue
        forget(nc, name)
        return info
    raise QueueError(f"queue {name} is being changed concurrently by others; try again")


async def ensure_queue(nc: Client, name: str, attributes: dict[str, str] | None, owner: str | None) -> QueueInfo:
    """Deploy: create the queue, or bring an existing one to these attributes."""
    settings.check_name(name)
    if await _read(nc, name) is None:
        try:
            return await create_queue(nc, name, attributes, owner)
        except QueueNameExists:
            pass
    return await set_attributes(nc, name, attributes or {}, owner)


async def delete_queue(nc: Client, name: str) -> None:
    if await _read(nc, name) is None:
        raise QueueDoesNotExist(name)
    kv = await _kv(nc)
    await kv.delete(name)
    forget(nc, name)
    try:
        await nc.jetstream().delete_stream(subjects.queue_stream(name))
    except NotFoundError:
        pass


async def list_queues(nc: Client, prefix: str | None = None) -> list[str]:
    kv = await _kv(nc)
    names = await live_keys(kv)
    return sorted(n for n in names if not prefix or n.startswith(prefix))


def stream_config(info: QueueInfo) -> StreamConfig:
    retention = int(info.attributes.get("MessageRetentionPeriod", "345600"))
    return StreamConfig(name=subjects.queue_stream(info.name), subjects=[subjects.queue_messages(info.name)],
                        retention=RetentionPolicy.WORK_QUEUE, storage=StorageType.FILE, max_age=retention,
                        duplicate_window=min(DEDUP_WINDOW_S, retention), allow_direct=True)


async def _ensure_stream(nc: Client, info: QueueInfo) -> None:
    js = nc.jetstream()
    config = stream_config(info)
    try:
        await js.add_stream(config)
    except BadRequestError:  # it exists with another configuration (a retention change)
        await js.update_stream(config)


async def fresh_consumer(nc: Client, name: str, max_pending: int, deliver_subject: str) -> None:
    """Delete and recreate the owner's consumer: it pushes every message still in the stream (none deleted)
    to ``deliver_subject``, then each new one as it is stored (a push consumer: no pull round trip, no batch
    to fill, so a message reaches a waiting receive within a millisecond)."""
    js = nc.jetstream()
    stream = subjects.queue_stream(name)
    try:
        await js.delete_consumer(stream, CONSUMER)
    except NotFoundError:
        pass
    await js.add_consumer(stream, ConsumerConfig(
        durable_name=CONSUMER, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, ack_wait=ACK_WAIT_S,
        max_deliver=-1, max_ack_pending=max_pending, deliver_subject=deliver_subject))
