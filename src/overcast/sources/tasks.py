"""The asyncio tasks a runner keeps going (shard lanes, queue pollers)."""

from __future__ import annotations

import asyncio


class Tasks:
    def __init__(self) -> None:
        self.tasks: list[asyncio.Task] = []

    def spawn(self, coros) -> None:
        self.tasks += [asyncio.create_task(c) for c in coros]

    async def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []

    def failed(self) -> bool:
        """One of them ended on its own, which only an error of ours does: the manager restarts the runner."""
        return any(t.done() for t in self.tasks)
