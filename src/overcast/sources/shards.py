"""One shard of a stream (or a table's change stream) feeding one mapping.

Records arrive pushed by a durable JetStream consumer (see ``consumers``), are
split into ``parallelizationFactor`` lanes by partition key (order is kept per
key, as Lambda does), and each lane runs one batch at a time through the
error policy of ``batching``. A record's message is acknowledged only when the
record is done: the handler succeeded on it, a filter dropped it, or it reached
the on-failure destination. Acknowledgements are per message, so the
consumer's ack floor is the shard's checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections import deque
from dataclasses import dataclass, field

from overcast.sources import consumers
from overcast.sources.driver import BatchDriver
from overcast.sources.failures import FailureReporter
from overcast.sources.tasks import Tasks

log = logging.getLogger("overcast.sources")

MAX_BATCH_BYTES = 5 * 1024 * 1024  # the event must fit Lambda's 6 MB synchronous payload


def durable_name(mapping_id: str, shard: int) -> str:
    """The durable consumer feeding ``shard`` to a mapping: its position is the mapping's checkpoint."""
    return f"esm_{mapping_id}_{shard}"


@dataclass
class Lane:
    items: deque = field(default_factory=deque)  # (record, msg)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    first_at: float = 0.0


class ShardRunner:
    """Feeds the records of one shard to one mapping's function until stopped."""

    def __init__(self, nc, mapping, source, invoker, reporter: FailureReporter) -> None:
        self.nc = nc
        self.mapping = mapping
        self.source = source
        self.driver = BatchDriver(mapping, source, invoker, reporter)
        self.lanes = [Lane() for _ in range(max(1, mapping.parallelization))]
        self.durable = durable_name(mapping.id, source.shard)
        self.sub = None
        self.lanes_running = Tasks()

    async def start(self) -> None:
        js = self.nc.jetstream()
        inbox = self.nc.new_inbox()
        self.sub = await self.nc.subscribe(inbox, cb=self._on_msg)
        bound = max(1000, 4 * self.mapping.batch_size * len(self.lanes))
        await consumers.resume_push(js, self.source.stream, self.durable, self.source.subject, inbox,
                                    start=self.mapping.starting_position,
                                    start_time=self.mapping.starting_timestamp, max_ack_pending=bound)
        self.lanes_running.spawn(self._run_lane(lane) for lane in self.lanes)

    async def stop(self) -> None:
        if self.sub is not None:
            await self.sub.unsubscribe()
            self.sub = None
        await self.lanes_running.cancel()

    def failed(self) -> bool:
        """A lane died of an error of ours: the manager restarts the runner (it resumes at the checkpoint)."""
        return self.lanes_running.failed()

    async def _on_msg(self, msg) -> None:
        if not msg.reply or msg.headers and msg.headers.get("Status"):
            return  # heartbeats and other status messages
        try:
            record = self.source.record(msg)
        except Exception:  # a message we cannot read is not a record: it must not block the shard
            log.exception("mapping %s: unreadable message on %s; skipped", self.mapping.id, self.source.subject)
            await msg.ack()
            return
        lane = self.lanes[zlib.crc32(self.source.lane_key(record).encode()) % len(self.lanes)
                          if len(self.lanes) > 1 else 0]
        if not lane.items:
            lane.first_at = time.monotonic()
        lane.items.append((record, msg))
        lane.wake.set()

    async def _run_lane(self, lane: Lane) -> None:
        size, window = self.mapping.batch_size, self.mapping.window
        while True:
            await lane.wake.wait()
            if not lane.items:
                lane.wake.clear()
                continue
            if window > 0 and len(lane.items) < size:
                # Lambda waits up to the batching window for a full batch
                wait = lane.first_at + window - time.monotonic()
                if wait > 0:
                    lane.wake.clear()
                    try:
                        await asyncio.wait_for(self._until_full(lane, size), wait)
                    except asyncio.TimeoutError:
                        pass
            batch, total = [], 0
            while lane.items and len(batch) < size:
                record, msg = lane.items[0]
                weight = self.source.size(record)
                if batch and total + weight > MAX_BATCH_BYTES:
                    break
                lane.items.popleft()
                batch.append((record, msg))
                total += weight
            if lane.items:
                lane.first_at = time.monotonic()
            else:
                lane.wake.clear()
            try:
                await self.driver.run(batch)
            except asyncio.CancelledError:
                raise
            except Exception:  # ours; the records stay unacknowledged and come back to the next owner
                log.exception("mapping %s: batch on %s failed inside the dispatcher", self.mapping.id,
                              self.source.shard_id)
                raise

    @staticmethod
    async def _until_full(lane: Lane, size: int) -> None:
        while len(lane.items) < size:
            lane.wake.clear()
            await lane.wake.wait()
