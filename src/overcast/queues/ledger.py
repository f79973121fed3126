"""The owner's bookkeeping of one queue: visibility, delays, receive counts, FIFO group locks (pure).

Times are epoch seconds passed in by the caller. Every message the owner read from the stream
and has not removed is an :class:`Entry`; an entry is *ready* (visible), *delayed* (never received,
not yet visible) or *in flight* (received, visibility timeout running). A FIFO group with a message
in flight hands out nothing else until that message is deleted or visible again.
"""

from __future__ import annotations

import heapq
import secrets
from dataclasses import dataclass, field

from overcast.queues import digest
from overcast.queues.model import Envelope, Message, receipt_handle, sequence_number

# A message moving to the dead-letter queue is held this long; if the move fails it comes back.
REDRIVE_HOLD_S = 30.0


@dataclass
class Entry:
    seq: int
    envelope: Envelope
    size: int
    visible_at: float
    handle: object = None  # what the owner acknowledges the stream message with (opaque here)
    receive_count: int = 0
    first_receive_ms: int | None = None
    receipt: str | None = None  # token of the latest receive; a stale token deletes nothing
    ready: bool = False
    in_flight: bool = False

    @classmethod
    def of(cls, seq: int, envelope: Envelope, handle: object) -> Entry:
        size = len(envelope.body.encode()) + digest.attributes_size(envelope.attrs)
        return cls(seq, envelope, size, envelope.sent / 1000 + envelope.delay, handle)

    @property
    def group(self) -> str | None:
        return self.envelope.group

    def message(self, fifo: bool, receipt: bool = True) -> Message:
        """The message as ReceiveMessage returns it, with every system attribute."""
        env = self.envelope
        attrs = {"SenderId": env.sender, "SentTimestamp": str(env.sent),
                 "ApproximateReceiveCount": str(self.receive_count)}
        if self.first_receive_ms:
            attrs["ApproximateFirstReceiveTimestamp"] = str(self.first_receive_ms)
        if env.group is not None:
            attrs["MessageGroupId"] = env.group
        if fifo:
            attrs["MessageDeduplicationId"] = env.dedup or ""
            attrs["SequenceNumber"] = sequence_number(self.seq)
        return Message(env.id, receipt_handle(self.seq, self.receipt) if receipt and self.receipt else "",
                       env.body, attrs, dict(env.attrs), digest.md5_of_body(env.body),
                       digest.md5_of_attributes(env.attrs))


@dataclass
class Taken:
    received: list[Entry] = field(default_factory=list)
    dead: list[Entry] = field(default_factory=list)  # over maxReceiveCount: to move to the DLQ
    expired: list[Entry] = field(default_factory=list)  # past the retention period: dropped


class Ledger:
    def __init__(self, fifo: bool) -> None:
        self.fifo = fifo
        self.entries: dict[int, Entry] = {}
        self._hidden: list[tuple[float, int]] = []  # (visible_at, seq); stale pairs skipped
        self._ready: list[int] = []  # seqs, lowest first
        self._busy: dict[str | None, int] = {}  # FIFO group -> entries in flight

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entry: Entry, now: float) -> bool:
        """Track a message read from the stream; False when it is already tracked (a redelivery)."""
        if entry.seq in self.entries:
            return False
        self.entries[entry.seq] = entry
        heapq.heappush(self._hidden, (entry.visible_at, entry.seq))
        self._promote(now)
        return True

    def take(self, max_messages: int, visibility: float, now: float, *, max_receives: int | None = None,
             retention: float | None = None, budget: int | None = None) -> Taken:
        """Receive up to ``max_messages`` visible messages (at most ``budget`` bytes, at least one)."""
        self._promote(now)
        out, skipped, granted, size = Taken(), [], set(), 0
        while self._ready and len(out.received) < max_messages:
            seq = heapq.heappop(self._ready)
            entry = self.entries.get(seq)
            if entry is None or not entry.ready:
                continue
            if retention is not None and entry.envelope.sent / 1000 + retention <= now:
                self.remove(seq)
                out.expired.append(entry)
                continue
            if self.fifo and self._busy.get(entry.group) and entry.group not in granted:
                skipped.append(seq)
                continue
            if budget is not None and out.received and size + entry.size > budget:
                skipped.append(seq)
                break
            if max_receives is not None and entry.receive_count >= max_receives:
                self._hold(entry, now + REDRIVE_HOLD_S, None)
                out.dead.append(entry)
                continue
            entry.receive_count += 1
            entry.first_receive_ms = entry.first_receive_ms or int(now * 1000)
            self._hold(entry, now + visibility, secrets.token_hex(12))
            granted.add(entry.group)
            size += entry.size
            out.received.append(entry)
        for seq in skipped:
            heapq.heappush(self._ready, seq)
        return out

    def _hold(self, entry: Entry, until: float, receipt: str | None) -> None:
        entry.ready = False
        entry.in_flight = True
        entry.receipt = receipt
        entry.visible_at = until
        self._busy[entry.group] = self._busy.get(entry.group, 0) + 1
        heapq.heappush(self._hidden, (until, entry.seq))

    def _release(self, entry: Entry) -> None:
        if entry.in_flight:
            entry.in_flight = False
            left = self._busy.get(entry.group, 1) - 1
            if left:
                self._busy[entry.group] = left
            else:
                self._busy.pop(entry.group, None)

    def _promote(self, now: float) -> None:
        while self._hidden and self._hidden[0][0] <= now:
            at, seq = heapq.heappop(self._hidden)
            entry = self.entries.get(seq)
            if entry is None or entry.ready or entry.visible_at != at:
                continue
            self._release(entry)
            entry.ready = True
            heapq.heappush(self._ready, seq)

    def find(self, seq: int, token: str) -> Entry | None:
        """The entry of a receipt, if that receive is still the latest one of the message."""
        entry = self.entries.get(seq)
        if entry is None or entry.receipt is None or not secrets.compare_digest(entry.receipt, token):
            return None
        return entry

    def remove(self, seq: int) -> Entry | None:
        entry = self.entries.pop(seq, None)
        if entry is not None:
            self._release(entry)
        return entry

    def change_visibility(self, seq: int, token: str, seconds: float, now: float) -> bool:
        """Restart the visibility timeout of a message in flight from ``now``; False if it is not in flight."""
        self._promote(now)
        entry = self.find(seq, token)
        if entry is None or not entry.in_flight:
            return False
        entry.visible_at = now + seconds
        heapq.heappush(self._hidden, (entry.visible_at, seq))
        self._promote(now)
        return True

    def counts(self, now: float) -> tuple[int, int, int]:
        """(visible, in flight, delayed), as ApproximateNumberOfMessages / ...NotVisible / ...Delayed."""
        self._promote(now)
        visible = flight = delayed = 0
        for entry in self.entries.values():
            if entry.ready:
                visible += 1
            elif entry.in_flight:
                flight += 1
            else:
                delayed += 1
        return visible, flight, delayed

    def next_change(self) -> float | None:
        """When the next hidden message becomes visible (an upper bound: stale pairs may come first)."""
        return self._hidden[0][0] if self._hidden else None

    def purge(self) -> list[Entry]:
        gone = list(self.entries.values())
        self.entries.clear()
        self._hidden.clear()
        self._ready.clear()
        self._busy.clear()
        return gone

    def peek(self, limit: int) -> list[Entry]:
        return [self.entries[seq] for seq in sorted(self.entries)[:limit]]
