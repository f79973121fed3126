"""Leases in :data:`subjects.LEASES_BUCKET`: which dispatcher owns a piece of work right now
(a queue, a shard of an event-source mapping).

A lease is a KV entry ``{"holder", "until"}`` changed only with the revision it was read at, so
two dispatchers never both win. The holder renews it well before ``until``; a lease past
``until`` may be taken by anyone (its holder is presumed dead).
"""

from __future__ import annotations

import time

import orjson
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError

from overcast.engine import subjects
from overcast.engine.connect import bucket


def key_token(text: str) -> str:
    """``text`` as one KV key token, injectively: letters, digits and '-' kept, anything else ``_XX`` (UTF-8)."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        out.append(ch if ch.isascii() and (ch.isalnum() or ch == "-") else f"_{byte:02X}")
    return "".join(out) or "_"


async def leases(nc):
    return await bucket(nc, subjects.LEASES_BUCKET, history=1)


def _value(holder: str, seconds: float) -> bytes:
    return orjson.dumps({"holder": holder, "until": time.time() + seconds})


async def claim(kv, key: str, holder: str, seconds: float) -> int | None:
    """Take the lease if it is free, expired or already ours; returns its revision, or None."""
    try:
        return await kv.create(key, _value(holder, seconds))
    except KeyWrongLastSequenceError:
        pass
    try:
        entry = await kv.get(key)
    except (KeyNotFoundError, NotFoundError):
        return None  # deleted meanwhile: the next attempt creates it
    doc = orjson.loads(entry.value) if entry.value else {}
    if doc.get("holder") != holder and doc.get("until", 0) > time.time():
        return None
    try:
        return await kv.update(key, _value(holder, seconds), last=entry.revision)
    except KeyWrongLastSequenceError:
        return None


async def renew(kv, key: str, holder: str, seconds: float, revision: int) -> int | None:
    """Extend a lease held at ``revision``; None when it was lost (someone else took it)."""
    try:
        return await kv.update(key, _value(holder, seconds), last=revision)
    except KeyWrongLastSequenceError:
        return None


async def release(kv, key: str, revision: int) -> None:
    try:
        await kv.delete(key, last=revision)
    except Exception:  # lost already, or the engine is going away: the lease expires by itself
        pass
