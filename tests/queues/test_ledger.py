"""The owner's bookkeeping without servers: visibility, delays, FIFO groups, receipts, redrive."""

from __future__ import annotations

from overcast.queues.ledger import Entry, Ledger
from overcast.queues.model import Envelope

T0 = 1_000_000.0


def entry(seq, *, delay=0, group=None, sent=T0):
    env = Envelope(f"m{seq}", f"body {seq}", int(sent * 1000), "me", delay=delay, group=group)
    return Entry(seq, env, 10, sent + delay)


def test_visibility_hides_then_returns():
    led = Ledger(fifo=False)
    led.add(entry(1), T0)
    first = led.take(10, 30, T0).received
    assert [e.seq for e in first] == [1]
    assert led.take(10, 30, T0 + 29).received == []
    again = led.take(10, 30, T0 + 30).received
    assert [e.receive_count for e in again] == [2]
    assert again[0].receipt != first[0].receipt or again[0] is first[0]


def test_stale_receipt_finds_nothing():
    led = Ledger(fifo=False)
    led.add(entry(1), T0)
    old = led.take(1, 1, T0).received[0].receipt
    new = led.take(1, 1, T0 + 2).received[0].receipt
    assert led.find(1, old) is None
    assert led.find(1, new) is not None


def test_delay_and_counts():
    led = Ledger(fifo=False)
    led.add(entry(1, delay=5), T0)
    led.add(entry(2), T0)
    led.take(1, 30, T0)
    assert led.counts(T0 + 1) == (0, 1, 1)
    assert [e.seq for e in led.take(10, 30, T0 + 5).received] == [1]


def test_change_visibility_zero_releases_at_once():
    led = Ledger(fifo=False)
    led.add(entry(1), T0)
    got = led.take(1, 300, T0).received[0]
    assert led.change_visibility(1, got.receipt, 0, T0 + 1)
    assert [e.seq for e in led.take(1, 300, T0 + 1).received] == [1]


def test_fifo_group_waits_for_its_message_in_flight():
    led = Ledger(fifo=True)
    for seq, group in ((1, "a"), (2, "a"), (3, "b"), (4, "a"), (5, "b")):
        led.add(entry(seq, group=group), T0)
    first = led.take(1, 30, T0).received
    assert [e.seq for e in first] == [1]
    second = led.take(10, 30, T0).received  # group a is busy: only b, in order
    assert [e.seq for e in second] == [3, 5]
    led.remove(1)
    assert [e.seq for e in led.take(10, 30, T0).received] == [2, 4]


def test_over_max_receives_goes_dead_on_next_receive():
    led = Ledger(fifo=False)
    led.add(entry(1), T0)
    led.take(1, 1, T0, max_receives=2)
    led.take(1, 1, T0 + 1, max_receives=2)
    out = led.take(1, 1, T0 + 2, max_receives=2)
    assert out.received == [] and [e.seq for e in out.dead] == [1]


def test_budget_returns_at_least_one():
    led = Ledger(fifo=False)
    for seq in (1, 2, 3):
        led.add(entry(seq), T0)
    assert len(led.take(10, 30, T0, budget=15).received) == 1
    assert len(led.take(10, 30, T0, budget=25).received) == 2
