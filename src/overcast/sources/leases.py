"""Leases: which dispatcher owns a piece of work (a shard of a mapping, a queue) across nodes.

A lease is a key of the KV bucket ``LEASES_BUCKET`` holding its holder and an
expiry time. It is taken with a compare-and-set on the key's revision, so two
dispatchers never both believe they hold it; the holder renews it well before
it expires, and a dispatcher that dies simply stops renewing — another takes
the work over after ``ttl`` seconds. Work guarded by a lease must survive a
second owner starting while a paused first one still runs (at-least-once
delivery does).
"""

from __future__ import annotations

import time

import orjson
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from overcast.engine import subjects
from overcast.engine.connect import bucket

TTL_S = 10.0


def key_token(text: str) -> str:
    """``text`` as one KV key token, injectively: letters, digits and '-' kept, anything else ``_XX`` (UTF-8)."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        out.append(ch if ch.isascii() and (ch.isalnum() or ch == "-") else f"_{byte:02X}")
    return "".join(out) or "_"


class Leases:
    def __init__(self, nc, holder: str, ttl: float = TTL_S, clock=time.time) -> None:
        self.nc = nc
        self.holder = holder
        self.ttl = ttl
        self.clock = clock
        self._kv = None
        self._revisions: dict[str, int] = {}

    async def _bucket(self):
        if self._kv is None:
            self._kv = await bucket(self.nc, subjects.LEASES_BUCKET, history=1)
        return self._kv

    def _value(self) -> bytes:
        return orjson.dumps({"holder": self.holder, "expires": self.clock() + self.ttl})

    async def acquire(self, key: str) -> bool:
        """Take or renew the lease ``key``; False when another holder's lease is still valid."""
        kv = await self._bucket()
        key = key_token(key)
        try:
            self._revisions[key] = await kv.create(key, self._value())
            return True
        except KeyWrongLastSequenceError:
            pass
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:  # deleted between the two calls: try again next round
            return False
        try:
            held = orjson.loads(entry.value or b"{}")
        except orjson.JSONDecodeError:
            held = {}
        if held.get("holder") != self.holder and held.get("expires", 0) > self.clock():
            self._revisions.pop(key, None)
            return False
        try:
            self._revisions[key] = await kv.update(key, self._value(), last=entry.revision)
            return True
        except KeyWrongLastSequenceError:  # someone else renewed or took it first
            self._revisions.pop(key, None)
            return False

    def holds(self, key: str) -> bool:
        return key_token(key) in self._revisions

    async def release(self, key: str) -> None:
        kv = await self._bucket()
        key = key_token(key)
        revision = self._revisions.pop(key, None)
        if revision is None:
            return
        try:
            await kv.delete(key, last=revision)
        except (KeyWrongLastSequenceError, KeyNotFoundError):
            pass
