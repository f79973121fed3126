"""The owner of one queue: reads its stream and answers receive/delete/visibility requests.

One owner per queue runs across the platform (the dispatcher holding the queue's lease). It
reads the stream through the durable consumer ``owner`` and keeps visibility, receive counts,
delays and FIFO group locks in a :class:`Ledger`; a stream message is acknowledged (and so
leaves the work-queue stream) only on DeleteMessage, redrive, expiry or purge. A new owner
deletes and recreates the consumer, so every message not yet deleted comes back to it
(at-least-once: messages in flight become visible at once and their receive counts restart at 0).
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from overcast.engine import subjects
from overcast.errors import OvercastError
from overcast.limits import LIMITS
from overcast.queues import errors, local, redrive, store
from overcast.queues.errors import InvalidParameterValue
from overcast.queues.ledger import Entry, Ledger
from overcast.queues.model import Envelope, QueueInfo, parse_receipt
from overcast.queues.settings import Settings

log = logging.getLogger("overcast.queues")
CATCH_UP_S = 1.0  # how long an empty short poll waits for messages the stream has and the ledger not yet


class QueueOwner:
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

    async def _op_receive(self, req: dict) -> list[dict]:
        s = self.settings
        wait = s.wait if req.get("wait") is None else float(req["wait"])
        visibility = s.visibility if req.get("visibility") is None else float(req["visibility"])
        max_messages = max(1, int(req.get("max") or 1))
        deadline = time.monotonic() + min(wait, LIMITS["sqs.wait_time"].value)
        budget = max(64 * 1024, self.nc.max_payload * 3 // 4)
        caught_up = False
        while True:
            wake = self._wake
            now = time.time()
            got = self.ledger.take(max_messages, visibility, now, max_receives=s.max_receives, retention=s.retention,
                                   budget=budget)
            for entry in got.expired:
                await self._ack(entry)
            if got.dead:
                await self._redrive(got.dead)
            if got.received:
                return [e.message(s.fifo) for e in got.received]  # orjson writes dataclasses for remote callers
            if time.monotonic() >= deadline:
                if caught_up:
                    return []
                caught_up = True
                if await self._caught_up():
                    continue  # one more look: the ledger may have grown while we asked
                deadline = time.monotonic() + CATCH_UP_S
            timeout = deadline - time.monotonic()
            nxt = self.ledger.next_change()
            if nxt is not None:
                timeout = min(timeout, max(0.0, nxt - time.time()) + 0.001)
            try:
                await asyncio.wait_for(wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    async def _caught_up(self) -> bool:
        """Whether every message stored so far has reached the ledger (a send acknowledged just
        before a short poll must be received by it)."""
        try:
            info = await self.js.consumer_info(subjects.queue_stream(self.name), store.CONSUMER)
        except Exception:  # cannot tell: answer with what we have
            return True
        return info.num_pending == 0 and info.num_ack_pending <= len(self.ledger)

    async def _op_delete(self, req: dict) -> None:
        """One receipt (``handle``) or several (``handles``, all valid: a batch from ``client.delete_batch``)."""
        handles = req.get("handles") or [req.get("handle")]
        for handle in handles:
            seq, token = parse_receipt(handle)
            entry = self.ledger.find(seq, token)
            if entry is None:
                continue  # deleted already, or a stale receipt of an earlier receive: SQS succeeds and keeps it
            self.ledger.remove(seq)
            await self._ack(entry, wait=False)
        self._notify()
        return None

    async def _op_visibility(self, req: dict) -> None:
        seq, token = parse_receipt(req.get("handle"))
        if not self.ledger.change_visibility(seq, token, float(req.get("seconds", 0)), time.time()):
            raise InvalidParameterValue(
                f"Value {req.get('handle')} for parameter ReceiptHandle is invalid. Reason: Message does not exist "
                "or is not available for visibility timeout change.")
        self._notify()
        return None

    async def _op_purge(self, req: dict) -> None:
        try:
            await self.js.purge_stream(subjects.queue_stream(self.name))
        except NotFoundError:
            pass
        self.ledger.purge()
        self._notify()
        return None

    async def _op_attributes(self, req: dict) -> dict[str, str]:
        visible, flight, delayed = self.ledger.counts(time.time())
        try:  # messages the stream holds that the ledger has not read yet (over the in-flight window)
            visible += (await self.js.consumer_info(subjects.queue_stream(self.name), store.CONSUMER)).num_pending
        except Exception:  # approximate, as the name says
            pass
        return {"ApproximateNumberOfMessages": str(visible), "ApproximateNumberOfMessagesNotVisible": str(flight),
                "ApproximateNumberOfMessagesDelayed": str(delayed)}

    async def _op_peek(self, req: dict) -> list[dict]:
        return [e.message(self.settings.fifo, receipt=False).to_dict() for e in self.ledger.peek(int(req.get("limit") or 100))]

    # -- helpers -------------------------------------------------------------------
    async def _ack(self, entry: Entry, wait: bool = True) -> None:
        """Acknowledge (remove from the stream). ``wait=False`` for deletes: the ledger already forgot the
        message, so only an owner taking over after a lost acknowledgement could see it again (at-least-once,
        as SQS), and a delete costs no round trip to the engine."""
        try:
            await (entry.handle.ack_sync(timeout=5) if wait else entry.handle.ack())
        except Exception as exc:  # purged or consumer recreated meanwhile: nothing left to acknowledge
            log.debug("queue %s: ack of %s failed: %s", self.name, entry.seq, exc)

    async def _redrive(self, entries: list[Entry]) -> None:
        """Move messages over maxReceiveCount to the dead-letter queue: same id, body and attributes."""
        for entry in entries:
            if await redrive.move(self.js, self.name, self.settings.dlq, entry) and self.ledger.remove(entry.seq):
                await self._ack(entry)
