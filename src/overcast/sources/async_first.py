"""First attempts of asynchronous invocations, made at once by the dispatcher that accepted the event.

The stored path (``async_invoke``) writes every event to the ``OVERCAST_ASYNC`` stream and reads it back
before invoking: two engine round trips, a disk write and a pull on every event. For a topic rule's function
action (AWS IoT's Lambda action is an asynchronous invocation) that is most of a message's latency, so rules
hand their events here instead: :meth:`FirstAttempts.submit` starts the first attempt in this process and
returns the request id. Only what is left to do is stored, under the same request id and event age:

=================  ==============================================================================
first attempt      then
=================  ==============================================================================
succeeded          onSuccess destination (if any), from here
throttled          stored as it came: the stored path waits out throttling (no attempt consumed)
failed             stored with ``Overcast-Attempts-Made: 1`` and its retry's due time when a retry
                   is left (the first retry still waits 1 minute, as AWS); else onFailure from here
rejected           onFailure from here (never worth retrying)
=================  ==============================================================================

The trade, stated: while its first attempt is in flight, an event lives only in this dispatcher's memory;
a dispatcher killed then loses it (one stopping stores it first). A rule's own delivery is already at most
once (a core NATS subscription), so rules take this path; other asynchronous callers (``overcast invoke
--async``, destinations, schedules) store first. More than ``MAX_IN_FLIGHT`` first attempts of one function
at once: the next events are stored instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from overcast import limits
from overcast.engine import protocol
from overcast.errors import LimitExceeded
from overcast.sources import destinations as dest
from overcast.sources.async_invoke import STOP_GRACE_S, AsyncInvoker
from overcast.sources.async_settings import settings_for
from overcast.sources.async_store import enqueue
from overcast.sources.invoking import consumes_attempt

log = logging.getLogger("overcast.sources")

MAX_IN_FLIGHT = 64  # first attempts of one function at once; beyond, events take the stored path


class FirstAttempts:
    """``submit()`` events; ``stop()`` stores what has not finished within the grace period."""

    def __init__(self, asyncer: AsyncInvoker, *, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.asyncer = asyncer
        self.nc = asyncer.nc
        self.max_in_flight = max_in_flight
        self.in_flight: dict[tuple[str, str, str], int] = {}
        self._tasks: set[asyncio.Task] = set()
        self._stopping = False

    async def start(self) -> None:
        """Nothing to start: attempts begin with :meth:`submit`."""

    async def submit(self, stage: str, stack: str, fn: str, payload: bytes) -> str:
        """Accept an asynchronous invocation of ``stack.fn``: its request id (as Lambda returns at once)."""
        lim = limits.LIMITS["lambda.async_payload"]
        if len(payload) > lim.value:
            raise LimitExceeded(lim, len(payload))
        key = (stage, stack, fn)
        if self._stopping or self.in_flight.get(key, 0) >= self.max_in_flight:
            return await enqueue(self.nc, stage, stack, fn, payload)
        rid = str(uuid.uuid4())
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        task = asyncio.create_task(self._first(key, rid, payload, time.time()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return rid

    async def stop(self) -> None:
        self._stopping = True
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_GRACE_S)
            for task in self._tasks:
                task.cancel()  # each stores its event on the way out
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _first(self, key: tuple[str, str, str], rid: str, payload: bytes, accepted: float) -> None:
        stage, stack, fn = key
        try:
            await self._attempt(stage, stack, fn, rid, payload, accepted)
        except asyncio.CancelledError:  # stopping: the stored path takes the event (it may run twice)
            await self._store(stage, stack, fn, rid, payload, accepted)
            raise
        except Exception:
            log.exception("first attempt of async invocation %s of %s.%s.%s failed inside the dispatcher; "
                          "storing it", rid, stage, stack, fn)
            await self._store(stage, stack, fn, rid, payload, accepted)
        finally:
            self.in_flight[key] -= 1
            if not self.in_flight[key]:
                del self.in_flight[key]

    async def _attempt(self, stage: str, stack: str, fn: str, rid: str, payload: bytes, accepted: float) -> None:
        invoker = self.asyncer.invoker
        state = invoker.states.get((stage, stack))
        if state is None or invoker.function(stage, stack, fn) is None:
            log.warning("dropping async invocation %s of %s.%s.%s: function not deployed", rid, stage, stack, fn)
            return
        settings = settings_for(state["spec"], fn)
        reply = await invoker.invoke(stage, stack, fn, payload, request_id=rid)
        if reply.status == protocol.OK:
            await self.asyncer.conclude(stage, stack, fn, rid, payload, settings, dest.SUCCESS, 1, reply)
        elif reply.status == protocol.THROTTLED:
            await self._store(stage, stack, fn, rid, payload, accepted)
        else:
            delay = settings.retry_delay(1, consumes_attempt(reply), self.asyncer.delays)
            if delay is None:
                await self.asyncer.conclude(stage, stack, fn, rid, payload, settings, dest.RETRIES_EXHAUSTED, 1,
                                            reply)
            else:
                await self._store(stage, stack, fn, rid, payload, accepted, attempts_made=1,
                                  not_before=time.time() + delay)

    async def _store(self, stage: str, stack: str, fn: str, rid: str, payload: bytes, accepted: float,
                     attempts_made: int = 0, not_before: float | None = None) -> None:
        try:
            await enqueue(self.nc, stage, stack, fn, payload, request_id=rid, enqueued_at=accepted,
                          attempts_made=attempts_made, not_before=not_before)
        except Exception as exc:
            log.error("async invocation %s of %s.%s.%s is lost: storing it for its next attempt failed (%s)",
                      rid, stage, stack, fn, exc)
