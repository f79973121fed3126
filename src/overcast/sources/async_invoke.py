"""Asynchronous invocation (Lambda's ``InvocationType=Event``), durable in JetStream.

:func:`enqueue` (``async_store``) stores an event on ``async_invoke(stage, stack, fn)`` in the ``ASYNC_STREAM``
(work-queue retention) and returns its request id at once. :class:`AsyncInvoker`, in every
dispatcher, reads the stream through one shared durable consumer and handles each event as the
function's settings say (``async_settings``), with the same request id on every attempt (as AWS).
A retry waits by ``nak(delay)``: the event stays in JetStream, so a crash loses nothing (the attempt
number is the delivery count). A throttled event holds one of ``MAX_IN_FLIGHT`` slots until it runs
or ages out. An event is acknowledged once its destination (if any) accepted the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig

from overcast.engine import protocol, subjects
from overcast.engine.connect import ensure_resources
from overcast.sources import destinations as dest
from overcast.sources.async_settings import (
    THROTTLE_MAX_S,
    event_origin,
    event_progress,
    retry_delays,
    settings_for,
    throttle_pause,
)
from overcast.sources.invoking import FunctionInvoker, consumes_attempt

log = logging.getLogger("overcast.sources")

DURABLE = "overcast-async"
MAX_IN_FLIGHT = 256
# An event being worked on is kept from redelivery by a heartbeat (``in_progress``) every
# HEARTBEAT_S, however long the function runs; a dispatcher that dies lets its events go after ACK_WAIT_S.
ACK_WAIT_S = 60.0
HEARTBEAT_S = 15.0
STOP_GRACE_S = 5.0
FETCH_TIMEOUT_S = 1.0  # a fetch waits this long for events; stopping waits for the one in progress

class AsyncInvoker:
    """The asynchronous invocation worker of a dispatcher (``start()`` / ``stop()``)."""

    def __init__(self, nc, invoker: FunctionInvoker | None = None, *, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.nc = nc
        self._own_invoker = invoker is None
        self.invoker = invoker or FunctionInvoker(nc)
        self.max_in_flight = max_in_flight
        self.delays = retry_delays()
        self._sub = None
        self._loop_task: asyncio.Task | None = None
        self._stopping = False
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        await ensure_resources(self.nc)
        if self._own_invoker:
            await self.invoker.start()
        config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT_S,
                                max_ack_pending=self.max_in_flight, max_deliver=-1)
        self._sub = await self.nc.jetstream().pull_subscribe(subjects.ASYNC_WILDCARD, durable=DURABLE,
                                                             stream=subjects.ASYNC_STREAM, config=config)
        self._loop_task = asyncio.create_task(self._pull())

    async def stop(self) -> None:
        if self._loop_task is not None:
            # Let the fetch in progress end (within its timeout) rather than cancel it: a cancelled fetch's late
            # messages would sit unacknowledged until ACK_WAIT_S; what it brings now goes straight back (nak).
            self._stopping = True
            done, _ = await asyncio.wait([self._loop_task], timeout=FETCH_TIMEOUT_S + 1.0)
            if not done:
                self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        if self._tasks:  # attempts in progress may finish; the rest go back to the stream
            await asyncio.wait(self._tasks, timeout=STOP_GRACE_S)
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        if self._own_invoker:
            await self.invoker.stop()

    async def _pull(self) -> None:
        while not self._stopping:
            free = self.max_in_flight - len(self._tasks)
            if free <= 0:
                await asyncio.wait(self._tasks, timeout=FETCH_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                msgs = await self._sub.fetch(min(free, 64), timeout=FETCH_TIMEOUT_S)
            except (NatsTimeout, asyncio.TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # engine restarting: try again shortly
                log.warning("fetching async invocations failed: %s", exc or type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            if self._stopping:  # fetched while stopping: back to the stream for the next dispatcher, now
                for msg in msgs:
                    with contextlib.suppress(Exception):
                        await msg.nak()
                return
            for msg in msgs:
                task = asyncio.create_task(self._guarded(msg))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _guarded(self, msg) -> None:
        beat = asyncio.create_task(_heartbeat(msg))
        try:
            await self.handle(msg)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await msg.nak()  # stopping: another dispatcher (or our successor) takes it
            raise
        except Exception:  # a bug of ours: leave the event in the stream for a later try
            log.exception("async invocation %s failed inside the dispatcher", msg.subject)
            with contextlib.suppress(Exception):
                await msg.nak(delay=THROTTLE_MAX_S)
        finally:
            beat.cancel()

    async def handle(self, msg) -> None:
        """Process one delivery of an event (an attempt, a scheduled retry or the final report)."""
        _, _, stage, stack, fn = msg.subject.split(".", 4)
        meta = msg.metadata
        rid, enqueued = event_origin(msg.headers, meta.sequence.stream, time.time())
        attempt, wait = event_progress(msg.headers, meta.num_delivered, time.time())
        if attempt is None:  # stored after a failed first attempt: this delivery only waits for the retry
            await msg.nak(delay=wait or None)
            return
        if self.invoker.function(stage, stack, fn) is None:  # removed: there is nowhere to report to either
            log.warning("dropping async invocation %s of %s.%s.%s: function not deployed", rid, stage, stack, fn)
            await msg.ack()
            return
        settings = settings_for(self.invoker.states[(stage, stack)]["spec"], fn)
        reply, throttled = None, 0
        while True:
            ended = settings.ended(attempt, time.time() - enqueued)
            if ended is not None:
                condition, count = ended
                break
            reply = await self.invoker.invoke(stage, stack, fn, msg.data, request_id=rid)
            if reply.status == protocol.OK:
                condition, count = dest.SUCCESS, attempt
                break
            if reply.status == protocol.THROTTLED:
                await asyncio.sleep(throttle_pause(throttled))
                throttled += 1
                continue
            delay = settings.retry_delay(attempt, consumes_attempt(reply), self.delays)
            if delay is not None:
                await msg.nak(delay=delay)
                return
            condition, count = dest.RETRIES_EXHAUSTED, attempt  # also: rejected, never worth retrying
            break
        await self.conclude(stage, stack, fn, rid, msg.data, settings, condition, count, reply)
        await msg.ack()

    async def conclude(self, stage: str, stack: str, fn: str, rid: str, payload: bytes, settings,
                       condition: str, count: int, reply: protocol.Reply | None) -> None:
        """An event is over (``condition`` after ``count`` attempts): log a failure, deliver its record."""
        target = settings.target(condition)
        if condition != dest.SUCCESS:
            log.warning("async invocation %s of %s.%s.%s failed: %s after %d attempt(s)", rid, stage, stack, fn,
                        condition, count)
        if target:
            version = self.invoker.version(stage, stack, fn) or "$LATEST"
            record = dest.invocation_record(
                request_id=rid, function_arn=self.invoker.arn(stage, stack, fn), version=version,
                condition=condition, invoke_count=count, request_payload=payload, reply=reply)
            await dest.deliver_patiently(self.nc, target, record, stage, settings.max_age)


async def _heartbeat(msg) -> None:
    """Tell JetStream the event is still being worked on, until cancelled."""
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        with contextlib.suppress(Exception):
            await msg.in_progress()
