"""The owner of one queue: reads its stream and answers receive/delete/visibility requests.

One owner per queue runs across the platform (the dispatcher holding the queue's lease). It
reads the stream through the durable consumer ``owner`` and keeps visibility, receive counts,
delays and FIFO group locks in a :class:`Ledger`; a stream message is acknowledged (and so
leaves the work-queue stream) only on DeleteMessage, redrive, expiry or purge. A new owner
deletes and recreates the consumer, so every message not yet deleted comes back to it
(at-least-once: messages in flight become visible at once and their receive counts restart at 0).
The owner runs the consumer and dispatches requests; the operations themselves are in
``overcast.queues.operations``.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from nats.aio.client import Client

from overcast.engine import subjects
from overcast.errors import OvercastError
from overcast.limits import LIMITS
from overcast.queues import errors, local, store
from overcast.queues.ledger import Entry, Ledger
from overcast.queues.model import Envelope, QueueInfo
from overcast.queues.operations import QueueOperations
from overcast.queues.settings import Settings

log = logging.getLogger("overcast.queues")


class QueueOwner(QueueOperations):
    def __init__(self, nc: Client, info: QueueInfo) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.info = info
        self.settings = Settings.of(info.name, info.attributes)
        self.ledger = Ledger(self.settings.fifo)
        self._wake = asyncio.Event()
        self._sub = None
        self._control = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def name(self) -> str:
        return self.info.name

    async def start(self) -> None:
        inbox = self.nc.new_inbox()
        self._sub = await self.nc.subscribe(inbox, cb=self._on_message)
        await store.fresh_consumer(self.nc, self.name, LIMITS["sqs.in_flight"].value, inbox)
        self._control = await self.nc.subscribe(subjects.queue_control(self.name, "*"), cb=self._on_request)
        local.register(self.nc, self.name, self)

    def update(self, info: QueueInfo) -> None:
        self.info = info
        self.settings = Settings.of(info.name, info.attributes)
        self._notify()

    async def stop(self) -> None:
        local.unregister(self.nc, self.name, self)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sub in (self._control, self._sub):
            if sub is not None:
                try:
                    await sub.unsubscribe()
                except Exception:  # the connection may be closing
                    pass

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    # -- reading the stream ---------------------------------------------------
    async def _on_message(self, msg) -> None:
        if not msg.reply or (msg.headers and msg.headers.get("Status")):
            return  # flow control and heartbeats are not messages of the queue
        self._track(msg, time.time())
        self._notify()

    def _track(self, msg, now: float) -> None:
        try:
            env = Envelope.decode(msg.data)
        except Exception:  # not ours: drop it rather than block the queue
            log.warning("queue %s: dropping an undecodable message", self.name)
            self._spawn(msg.ack())
            return
        self.ledger.add(Entry.of(msg.metadata.sequence.stream, env, msg), now)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- requests ----------------------------------------------------------------
    async def _on_request(self, msg) -> None:
        self._spawn(self._serve(msg))  # long polls must not hold up the other requests

    async def _serve(self, msg) -> None:
        reply = await self.answer(msg.subject.rsplit(".", 1)[-1], orjson.loads(msg.data) if msg.data else {})
        if msg.reply:
            await msg.respond(orjson.dumps(reply))

    async def answer(self, op: str, req: dict) -> dict:
        """The reply document to one request: ``{"ok": result}`` or ``{"error": ...}`` (see ``client._ask``).
        A client in this process calls it directly (``local``), others through the control subjects."""
        handler = getattr(self, f"_op_{op}", None)
        try:
            if handler is None:
                raise errors.UnsupportedOperation(f"queue operation {op!r} is unknown")
            return {"ok": await handler(req)}
        except OvercastError as exc:
            return {"error": errors.to_reply(exc)}
        except Exception:  # ours: logged, never shown
            log.exception("queue %s: %s failed", self.name, op)
            return {"error": errors.to_reply(errors.OwnerUnavailable("the queue's owner failed; try again"))}
