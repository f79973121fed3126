"""A queue feeding one mapping: long-poll, batch, invoke, delete what succeeded.

As Lambda's SQS pollers: a failed message is not deleted, so it comes back when
its visibility timeout ends, and the queue's redrive policy moves it to its
dead-letter queue after ``maxReceiveCount`` receives. With
``ReportBatchItemFailures`` only the failed messages come back. Messages a
filter does not match are deleted (as Lambda does). Several pollers run per
mapping (``maximumConcurrency``, default 5, Lambda's starting number); on a FIFO
queue the queue's owner never hands out two messages of one group at once, so
group order holds with any number of pollers.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson

from overcast.errors import OvercastError
from overcast.queues import client as queues
from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.sources import batching, records
from overcast.sources.filtering import compile_patterns, sqs_view
from overcast.sources.tasks import Tasks

log = logging.getLogger("overcast.sources")
DEFAULT_POLLERS = 5
LONG_POLL_S = 20.0


class QueuePoller:
    def __init__(self, nc, mapping, invoker) -> None:
        self.nc = nc
        self.mapping = mapping
        self.invoker = invoker
        self.arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{mapping.source_name}"
        self.filter = compile_patterns(mapping.filters) if mapping.filters else None
        self.pollers = Tasks()

    async def start(self) -> None:
        self.pollers.spawn(self._poll() for _ in range(self.mapping.max_concurrency or DEFAULT_POLLERS))

    async def stop(self) -> None:
        await self.pollers.cancel()

    def failed(self) -> bool:
        return self.pollers.failed()

    async def _receive(self) -> list:
        m = self.mapping
        got = await queues.receive(self.nc, m.source_name, max_messages=min(m.batch_size, 10) if not m.window
                                   else m.batch_size, wait=LONG_POLL_S)
        if m.window and got and len(got) < m.batch_size:
            deadline = time.monotonic() + m.window  # Lambda gathers up to the batching window
            while len(got) < m.batch_size and (left := deadline - time.monotonic()) > 0:
                got += await queues.receive(self.nc, m.source_name, max_messages=m.batch_size - len(got),
                                            wait=left)
        return got

    async def _poll(self) -> None:
        quiet = 0.0
        while True:
            try:
                batch = await self._receive()
                quiet = 0.0
            except asyncio.CancelledError:
                raise
            except OvercastError as exc:  # the queue is gone or its owner is starting: try again soon
                if quiet == 0.0:
                    log.warning("mapping %s: receiving from %s: %s", self.mapping.id, self.mapping.source_name,
                                exc.message)
                quiet = min(quiet * 2 or 0.25, 5.0)
                await asyncio.sleep(quiet)
                continue
            if batch:
                await self._handle(batch)

    async def _handle(self, batch: list) -> None:
        m = self.mapping
        entries = [records.sqs_record(msg, self.arn, REGION) for msg in batch]
        if self.filter is not None:
            keep = [self.filter.matches(sqs_view(entry)) for entry in entries]
            await self._delete([msg for msg, k in zip(batch, keep) if not k])
            batch = [msg for msg, k in zip(batch, keep) if k]
            entries = [entry for entry, k in zip(entries, keep) if k]
            if not batch:
                return
        reply = await self.invoker.invoke(m.stage, m.stack, m.function, orjson.dumps({"Records": entries}))
        ids = [msg.message_id for msg in batch]
        status = batching.judge_status(reply.status)
        outcome = batching.parse_response(status, reply.payload, ids, m.report_failures)
        delete_ids, _ = batching.sqs_result(outcome, ids)
        done = set(delete_ids)
        await self._delete([msg for msg in batch if msg.message_id in done])

    async def _delete(self, batch: list) -> None:
        try:
            await queues.delete_batch(self.nc, self.mapping.source_name, [msg.receipt_handle for msg in batch])
        except OvercastError as exc:
            log.warning("mapping %s: deleting %d messages failed (they will be received again): %s",
                        self.mapping.id, len(batch), exc.message)
