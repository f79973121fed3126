"""QueueService: in each dispatcher, runs the owners of the queues whose lease it holds.

It watches :data:`subjects.QUEUES_BUCKET`; for every queue it tries to claim the lease, and runs a
:class:`QueueOwner` while it holds it. Leases are renewed every ``tick`` seconds and last
``lease_seconds``; a dispatcher that stops releases its leases, one that dies loses them when they
expire, and the next tick of another dispatcher takes the queue over.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from nats.aio.client import Client

from overcast.engine import leases as lease
from overcast.engine import subjects
from overcast.engine.connect import bucket
from overcast.queues import store
from overcast.queues.model import QueueInfo
from overcast.queues.owner import QueueOwner


def queue_key(name: str) -> str:
    return f"queue.{name}"  # queue names ([A-Za-z0-9_-], ".fifo") are valid KV keys as they are

log = logging.getLogger("overcast.queues")


class QueueService:
    def __init__(self, nc: Client, *, holder: str | None = None, lease_seconds: float = 10.0,
                 tick: float = 2.0) -> None:
        self.nc = nc
        self.holder = holder or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.lease_seconds = lease_seconds
        self.tick = tick
        self.known: dict[str, QueueInfo] = {}
        self.owners: dict[str, tuple[QueueOwner, int]] = {}  # name -> (owner, lease revision)
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []
        self._leases = None

    async def start(self) -> None:
        self._leases = await lease.leases(self.nc)
        kv = await bucket(self.nc, subjects.QUEUES_BUCKET, history=1)
        watcher = await kv.watchall()
        ready = asyncio.Event()
        self._tasks = [asyncio.create_task(self._watch(watcher, ready)), asyncio.create_task(self._ticks())]
        await ready.wait()

    async def stop(self, release: bool = True) -> None:
        """Stop every owner; ``release=False`` keeps the leases (as a crash would, for tests)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._lock:
            for name in list(self.owners):
                await self._drop(name, release)

    async def _watch(self, watcher, ready: asyncio.Event) -> None:
        try:
            async for entry in watcher:
                if entry is None:  # end of the initial values
                    ready.set()
                    continue
                async with self._lock:
                    try:
                        await self._apply(entry)
                    except Exception:  # one bad entry or an engine hiccup must not end the watch
                        log.exception("queue %s: applying its change failed", entry.key)
        finally:
            ready.set()
            await watcher.stop()

    async def _apply(self, entry) -> None:
        if entry.operation in ("DEL", "PURGE") or not entry.value:
            self.known.pop(entry.key, None)
            await self._drop(entry.key, True)
            return
        info = store.decode(entry.value)
        self.known[info.name] = info
        if info.name in self.owners:
            self.owners[info.name][0].update(info)
        else:
            await self._claim(info)

    async def _ticks(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            async with self._lock:
                try:
                    await self._round()
                except Exception:  # engine away for a moment: try again next tick
                    log.exception("queue leases: renewal round failed")

    async def _round(self) -> None:
        for name, (owner, revision) in list(self.owners.items()):
            renewed = await lease.renew(self._leases, queue_key(name), self.holder, self.lease_seconds,
                                        revision)
            if renewed is None:
                log.warning("queue %s: lease lost, stopping its owner here", name)
                await self._drop(name, False)
            else:
                self.owners[name] = (owner, renewed)
        for name, info in list(self.known.items()):
            if name not in self.owners:
                await self._claim(info)

    async def _claim(self, info: QueueInfo) -> None:
        key = queue_key(info.name)
        revision = await lease.claim(self._leases, key, self.holder, self.lease_seconds)
        if revision is None:
            return
        owner = QueueOwner(self.nc, info)
        try:
            await owner.start()
        except Exception:
            log.exception("queue %s: its owner did not start", info.name)
            await owner.stop()
            await lease.release(self._leases, key, revision)
            return
        self.owners[info.name] = (owner, revision)
        log.info("queue %s: owned by %s", info.name, self.holder)

    async def _drop(self, name: str, release: bool) -> None:
        held = self.owners.pop(name, None)
        if held is None:
            return
        owner, revision = held
        await owner.stop()
        if release:
            await lease.release(self._leases, queue_key(name), revision)
