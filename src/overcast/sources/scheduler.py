"""The scheduler: fires each schedule's ticks, once per tick across every node that runs one.

Every dispatcher runs a ``Scheduler`` with the same entries. When a tick is due, each node tries to
claim it with a KV ``create()`` of ``<entry token>.<tick>`` in ``TICKS_BUCKET``; the key can be created
once, so only the claimer calls ``fire``. Tick times come from the schedule (``schedules.py``), never
from a node's clock, so nodes agree on the key even with skewed clocks.

- A tick is only fired while it is at most ``grace`` seconds old: like EventBridge, a node that was
  down does not backfill the ticks it missed.
- A claimer whose ``fire`` fails keeps its claim and retries on each pass while the tick is in grace.
- The loop sleeps at most ``poll`` seconds and never past the earliest next tick; ``update()`` wakes
  it, so a test with an injected clock only has to move the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.js.errors import KeyWrongLastSequenceError

from overcast.engine import subjects
from overcast.engine.connect import bucket
from overcast.engine.leases import key_token
from overcast.sources.schedules import Schedule, parse, scheduled_event

log = logging.getLogger("overcast.sources.scheduler")

TICKS_TTL_S = 24 * 3600.0  # a claim only needs to outlive the grace window
GRACE_S = 30.0
POLL_S = 1.0
_EVENT_IDS = uuid.UUID("5c4e6a8e-7f0b-4d59-9a37-0d3c2f6b1e55")  # namespace of tick event ids


@dataclass(frozen=True)
class Entry:
    """One schedule to run: ``id`` is unique platform-wide (any text), ``rule_arn`` goes in the event."""

    id: str
    expression: str
    input: dict | None = None
    enabled: bool = True
    rule_arn: str = ""
    created: float | None = None


Fire = Callable[[Entry, dict, float], Awaitable[None]]


def tick_key(entry_id: str, tick: float) -> str:
    return f"{key_token(entry_id)}.{int(tick)}"


def arn_region_account(arn: str) -> tuple[str, str]:
    """Region and account of ``arn:aws:events:REGION:ACCOUNT:rule/NAME``."""
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) > 5 else ("", "")


def tick_event(entry: Entry, tick: float) -> dict:
    """The event of one tick; its id is derived from (entry, tick), so a retried fire carries the same id."""
    region, account = arn_region_account(entry.rule_arn)
    event_id = str(uuid.uuid5(_EVENT_IDS, f"{entry.id}\n{int(tick)}"))
    return scheduled_event(rule_arn=entry.rule_arn, tick=tick, event_id=event_id, region=region,
                           account=account, input=entry.input)


@dataclass
class _Slot:
    entry: Entry
    schedule: Schedule
    next: float | None
    claimed: float | None = None  # a tick we hold the claim of but have not fired yet


class Scheduler:
    def __init__(self, nc, fire: Fire, *, clock: Callable[[], float] = time.time, grace: float = GRACE_S,
                 poll: float = POLL_S) -> None:
        self.nc = nc
        self.fire = fire
        self.clock = clock
        self.grace = grace
        self.poll = poll
        self.node = uuid.uuid4().hex.encode()
        self._slots: dict[str, _Slot] = {}
        self._kv = None
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    async def _bucket(self):
        if self._kv is None:
            self._kv = await bucket(self.nc, subjects.TICKS_BUCKET, ttl=TICKS_TTL_S)
        return self._kv

    async def start(self) -> None:
        await self._bucket()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def update(self, entries: list[Entry]) -> None:
        """Run exactly these entries from now on; disabled or unparsable ones never fire. Wakes the loop."""
        now = self.clock()
        slots: dict[str, _Slot] = {}
        for entry in entries:
            if not entry.enabled:
                continue
            old = self._slots.get(entry.id)
            if old is not None and (old.entry.expression, old.entry.created) == (entry.expression, entry.created):
                old.entry = entry
                slots[entry.id] = old
                continue
            try:
                schedule = parse(entry.expression, entry.created)
            except ValueError as exc:  # validated at deploy; a bad one must not stop the others
                log.error("schedule %s not run: %s", entry.id, exc)
                continue
            slots[entry.id] = _Slot(entry, schedule, schedule.next_after(now - self.grace))
        self._slots = slots
        self._wake.set()

    def next_tick(self) -> float | None:
        """The earliest tick any entry is waiting for."""
        ticks = [s.next for s in self._slots.values() if s.next is not None]
        return min(ticks, default=None)

    async def run_due(self) -> int:
        """Claim and fire every tick due at ``clock()``; returns how many this node fired (the loop's one pass)."""
        now = self.clock()
        counts = await asyncio.gather(*(self._advance(slot, now) for slot in list(self._slots.values())))
        return sum(counts)

    async def _advance(self, slot: _Slot, now: float) -> int:
        fired = 0
        while slot.next is not None and slot.next <= now:
            tick = slot.next
            if now - tick > self.grace:
                log.warning("schedule %s: tick %d missed (more than %ss late), not fired", slot.entry.id, tick,
                            self.grace)
                slot.next = slot.schedule.next_after(max(tick, now - self.grace))
                continue
            outcome = await self._claim_and_fire(slot, tick)
            if outcome is None:
                break  # retried on the next pass while the tick is in grace
            fired += outcome
            slot.next = slot.schedule.next_after(tick)
        return fired

    async def _claim_and_fire(self, slot: _Slot, tick: float) -> int | None:
        """1 when fired here, 0 when another node holds the tick, None on a failure worth retrying."""
        if slot.claimed != tick:
            claim = await self._claim(tick_key(slot.entry.id, tick))
            if claim is not True:
                return None if claim is None else 0
            slot.claimed = tick
        try:
            await self.fire(slot.entry, tick_event(slot.entry, tick), tick)
        except Exception:
            log.exception("schedule %s: firing tick %d failed; retrying", slot.entry.id, tick)
            return None
        slot.claimed = None
        return 1

    async def _claim(self, key: str) -> bool | None:
        kv = await self._bucket()
        try:
            await kv.create(key, self.node)
            return True
        except KeyWrongLastSequenceError:
            pass
        except Exception as exc:  # engine unreachable or slow: the tick stays due
            log.warning("claiming %s failed: %s", key, exc or type(exc).__name__)
            return None
        try:  # an earlier create of ours may have landed though its reply was lost
            return (await kv.get(key)).value == self.node
        except Exception:
            return None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_due()
            except Exception:  # never let one bad pass stop the schedules
                log.exception("scheduler pass failed")
            next_tick = self.next_tick()
            wait = self.poll if next_tick is None else next_tick - self.clock()
            delay = self.poll if wait <= 0 else min(self.poll, wait)  # a tick still due failed: retry after poll
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
