"""The requests a queue's owner answers: receive, delete, visibility, purge, attributes and peek.

``QueueOperations`` is a mixin of :class:`overcast.queues.owner.QueueOwner`, which dispatches each
control request ``op`` to the ``_op_{op}`` method here and provides the state these methods work on:
the connection, the settings, the :class:`Ledger` of messages read from the stream and ``_notify``
(wakes long polls waiting for a change). Messages leave the stream (are acknowledged) here only: on
delete, redrive to the dead-letter queue, expiry or purge.
"""

from __future__ import annotations

import asyncio
import logging
import time

from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from overcast.engine import subjects
from overcast.limits import LIMITS
from overcast.queues import redrive, store
from overcast.queues.errors import InvalidParameterValue
from overcast.queues.ledger import Entry, Ledger
from overcast.queues.model import parse_receipt
from overcast.queues.settings import Settings

log = logging.getLogger("overcast.queues")
CATCH_UP_S = 1.0  # how long an empty short poll waits for messages the stream has and the ledger not yet


class QueueOperations:
    nc: Client
    js: JetStreamContext
    name: str
    settings: Settings
    ledger: Ledger
    _wake: asyncio.Event

    def _notify(self) -> None:
        """Wake the waiting long polls (the owner implements it)."""
        raise NotImplementedError

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
