"""Leases of event-source work (a shard of a mapping) held by this dispatcher.

A thin holder of :mod:`overcast.engine.leases` entries: a lease is taken or renewed
with a compare-and-set on its revision, so two dispatchers never both believe they
hold it; a dispatcher that dies stops renewing and another takes the work over
after ``ttl`` seconds. Work guarded by a lease must survive a second owner
starting while a paused first one still runs (at-least-once delivery does).
"""

from __future__ import annotations

from overcast.engine import leases
from overcast.engine.leases import key_token

TTL_S = 10.0

__all__ = ["Leases", "key_token"]


class Leases:
    def __init__(self, nc, holder: str, ttl: float = TTL_S) -> None:
        self.nc = nc
        self.holder = holder
        self.ttl = ttl
        self._kv = None
        self._revisions: dict[str, int] = {}

    async def _bucket(self):
        if self._kv is None:
            self._kv = await leases.leases(self.nc)
        return self._kv

    async def acquire(self, key: str) -> bool:
        """Take or renew the lease ``key``; False when another holder's lease is still valid."""
        kv = await self._bucket()
        key = "esm." + key_token(key)
        revision = self._revisions.get(key)
        if revision is not None:
            revision = await leases.renew(kv, key, self.holder, self.ttl, revision)
        if revision is None:
            revision = await leases.claim(kv, key, self.holder, self.ttl)
        if revision is None:
            self._revisions.pop(key, None)
            return False
        self._revisions[key] = revision
        return True

    async def release(self, key: str) -> None:
        kv = await self._bucket()
        revision = self._revisions.pop("esm." + key_token(key), None)
        if revision is not None:
            await leases.release(kv, "esm." + key_token(key), revision)
