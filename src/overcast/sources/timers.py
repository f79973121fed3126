"""The schedules deployed stacks declare, fired as asynchronous invocations.

Builds the :class:`~overcast.sources.scheduler.Scheduler`'s entries from every
stack's ``schedule`` events and, for each tick this node claimed, enqueues an
asynchronous invocation (so a tick is retried and reaches the function's
on-failure destination like any async event). Rate schedules are aligned to
the epoch, so every node computes the same tick times.
"""

from __future__ import annotations

import orjson

from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.sources.async_store import enqueue
from overcast.sources.scheduler import Entry, Scheduler
from overcast.spec.mappings import schedules_of


class Timers:
    def __init__(self, nc, invoker) -> None:
        self.nc = nc
        self.invoker = invoker
        self.scheduler = Scheduler(nc, self._fire)
        self.targets: dict[str, tuple[str, str, str]] = {}

    async def start(self) -> None:
        self.invoker.subscribe(self._changed)
        self._refresh()
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()

    async def _changed(self, stage: str, stack: str, doc) -> None:
        self._refresh()

    def _refresh(self) -> None:
        entries, targets = [], {}
        for (stage, stack), state in list(self.invoker.states.items()):
            for sched in schedules_of(stage, stack, state["spec"]):  # ids are EventBridge rule names
                arn = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{sched.id}"
                entries.append(Entry(sched.id, sched.expression, sched.input, sched.enabled, arn))
                targets[sched.id] = (stage, stack, sched.function)
        self.targets = targets
        self.scheduler.update(entries)

    async def _fire(self, entry: Entry, event: dict, tick: float) -> None:
        target = self.targets.get(entry.id)
        if target is None:  # removed between the claim and now
            return
        stage, stack, function = target
        await enqueue(self.nc, stage, stack, function, orjson.dumps(event))
