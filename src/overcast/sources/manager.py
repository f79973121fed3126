"""Runs the event-source mappings of every deployed stack: the dispatcher's reconcile loop.

Every few seconds (and whenever a stack changes) the manager works out the
mappings the deployed stacks declare and makes this dispatcher run its share:
a shard of a stream or a table's change stream is fed by exactly one
dispatcher at a time (a lease per mapping and shard, see ``leases``); queue
mappings run a poller on every node (SQS allows many consumers; the queue's
owner keeps FIFO groups in order). A mapping that changed is restarted; a
runner that died is restarted and resumes at its checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from overcast.errors import OvercastError
from overcast.sources.failures import FailureReporter
from overcast.sources.leases import Leases
from overcast.sources.origins import kinesis_shards, table_shard
from overcast.sources.queue_poller import QueuePoller
from overcast.sources.shards import ShardRunner
from overcast.spec.mappings import mappings_of

log = logging.getLogger("overcast.sources")
RECONCILE_S = 2.0


class MappingManager:
    def __init__(self, nc, invoker) -> None:
        self.nc = nc
        self.invoker = invoker
        self.holder = holder_id()
        self.leases = Leases(nc, self.holder)
        self.reporter = FailureReporter(nc, invoker)
        self.runners: dict[tuple[str, int], tuple[object, ShardRunner]] = {}
        self.pollers: dict[str, tuple[object, QueuePoller]] = {}
        self._kick = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.invoker.subscribe(self._changed)
        self._task = asyncio.create_task(self._loop())

    async def _changed(self, stage: str, stack: str, doc) -> None:
        """Stacks changed: reconcile now rather than at the next tick."""
        self._kick.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for key in list(self.runners):
            await self._stop_runner(key)
        for mid in list(self.pollers):
            await self._stop_poller(mid)

    def wanted(self) -> list:
        out = []
        for (stage, stack), state in list(self.invoker.states.items()):
            try:
                out += [m for m in mappings_of(stage, stack, state["spec"]) if m.enabled]
            except Exception:  # one bad document must not stop the others' mappings
                log.exception("cannot read the mappings of %s.%s", stage, stack)
        return out

    async def _loop(self) -> None:
        while True:
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciling event-source mappings failed; trying again")
            try:
                await asyncio.wait_for(self._kick.wait(), RECONCILE_S)
            except asyncio.TimeoutError:
                pass
            self._kick.clear()

    async def reconcile(self) -> None:
        wanted = self.wanted()
        shard_keys: dict[tuple[str, int], tuple[object, object]] = {}
        queue_ids = {}
        for m in wanted:
            if m.source == "sqs":
                queue_ids[m.id] = m
                continue
            try:
                sources = await (kinesis_shards(self.nc, m) if m.source == "kinesis" else table_shard(self.nc, m))
            except OvercastError as exc:
                log.warning("mapping %s of %s.%s: %s", m.id, m.stack, m.function, exc.message)
                continue
            for source in sources:
                shard_keys[(m.id, source.shard)] = (m, source)
        for key in list(self.runners):
            if key not in shard_keys:
                await self._stop_runner(key)
                await self.leases.release(_lease(key))
        for key, (m, source) in shard_keys.items():
            held = await self.leases.acquire(_lease(key))
            current = self.runners.get(key)
            if not held:
                if current is not None:
                    await self._stop_runner(key)
                continue
            if current is not None and (current[0] != m or current[1].failed()):
                await self._stop_runner(key)
                current = None
            if current is None:
                runner = ShardRunner(self.nc, m, source, self.invoker, self.reporter)
                try:
                    await runner.start()
                except Exception:
                    log.exception("mapping %s: cannot start shard %s", m.id, source.shard_id)
                    await runner.stop()
                    continue
                self.runners[key] = (m, runner)
        for mid in list(self.pollers):
            if mid not in queue_ids or self.pollers[mid][0] != queue_ids[mid] or self.pollers[mid][1].failed():
                await self._stop_poller(mid)
        for mid, m in queue_ids.items():
            if mid not in self.pollers:
                poller = QueuePoller(self.nc, m, self.invoker)
                await poller.start()
                self.pollers[mid] = (m, poller)

    async def _stop_runner(self, key) -> None:
        found = self.runners.pop(key, None)
        if found is not None:
            await found[1].stop()

    async def _stop_poller(self, mid: str) -> None:
        found = self.pollers.pop(mid, None)
        if found is not None:
            await found[1].stop()


def _lease(key: tuple[str, int]) -> str:
    return f"{key[0]}-{key[1]}"


def holder_id() -> str:
    """Who holds this dispatcher's leases: the node (host and supervisor), so a dispatcher the supervisor
    restarted after a crash takes its work back at once instead of waiting for its old leases to expire."""
    return f"{socket.gethostname()}:{os.getppid()}"
