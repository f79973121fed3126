"""The scheduler on a real nats-server: two nodes, one controllable clock, every tick fired exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import nats
import pytest

from overcast.engine.leases import key_token
from overcast.sources.scheduler import Entry, Scheduler, tick_key

T0 = 1_800_000_000.0  # a whole minute (UTC)
ARN = "arn:aws:events:eu-west-1:123456789012:rule/nightly"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Recorder:
    """A ``fire`` callback remembering what each node fired."""

    def __init__(self, fired: list, node: str, fail_first: int = 0) -> None:
        self.fired, self.node, self.fail_first = fired, node, fail_first

    async def __call__(self, entry: Entry, event: dict, tick: float) -> None:
        if self.fail_first > 0:
            self.fail_first -= 1
            raise RuntimeError("queue unavailable")
        self.fired.append((self.node, entry.id, tick, event))


def entry(expression: str = "rate(1 minute)", **fields) -> Entry:
    fields.setdefault("id", f"stage.stack/{uuid.uuid4().hex} sched")
    fields.setdefault("rule_arn", ARN)
    return Entry(expression=expression, **fields)


@pytest.fixture
async def nodes(engine_url):
    """Two schedulers on two connections sharing one clock; ``fired`` collects (node, id, tick, event)."""
    conns = [await nats.connect(engine_url) for _ in range(2)]
    clock, fired = Clock(T0 + 31), []  # the tick at T0 is past the 30 s grace: not due
    pair = [Scheduler(nc, Recorder(fired, name), clock=clock, grace=30, poll=0.01)
            for nc, name in zip(conns, "ab", strict=True)]
    yield pair, clock, fired
    for scheduler in pair:
        await scheduler.stop()
    for nc in conns:
        await nc.close()


async def race(pair, i: int) -> None:
    """Both nodes claim what is due, alternating who asks first."""
    first, second = pair if i % 2 == 0 else pair[::-1]
    await asyncio.gather(first.run_due(), second.run_due())


async def test_two_nodes_fire_every_tick_exactly_once_and_both_take_part(nodes):
    pair, clock, fired = nodes
    every, off = entry(), entry(enabled=False)
    for scheduler in pair:  # not started: passes are driven by hand, a deterministic race
        scheduler.update([every, off])
    for i in range(1, 21):
        clock.now = T0 + 60 * i + 0.5
        await race(pair, i)
    per_tick = Counter(tick for _, _, tick, _ in fired)
    assert per_tick == {T0 + 60 * i: 1 for i in range(1, 21)}
    assert {eid for _, eid, _, _ in fired} == {every.id}
    by_node = Counter(node for node, *_ in fired)
    assert by_node["a"] > 0 and by_node["b"] > 0


async def test_running_loops_fire_each_tick_once_as_the_clock_moves(nodes):
    pair, clock, fired = nodes
    every, off = entry(), entry("rate(1 minute)", enabled=False)
    for scheduler in pair:
        await scheduler.start()
        scheduler.update([every, off])
    for i in range(1, 21):
        clock.now = T0 + 60 * i + 0.25
        await wait_for(lambda i=i: len(fired) >= i)
    await asyncio.sleep(0.1)  # a duplicate would show up here
    assert Counter(tick for *_, tick, _ in fired) == {T0 + 60 * i: 1 for i in range(1, 21)}
    assert all(eid == every.id for _, eid, _, _ in fired)


async def test_update_removing_an_entry_stops_it(nodes):
    pair, clock, fired = nodes
    kept, removed = entry(), entry("rate(2 minutes)")
    for scheduler in pair:
        await scheduler.start()
        scheduler.update([kept, removed])
    for i in range(1, 5):
        clock.now = T0 + 60 * i + 0.25
        await wait_for(lambda i=i: sum(1 for f in fired if f[1] == kept.id) >= i)
    assert any(f[1] == removed.id for f in fired)
    for scheduler in pair:
        scheduler.update([kept])
    before = sum(1 for f in fired if f[1] == removed.id)
    for i in range(5, 9):
        clock.now = T0 + 60 * i + 0.25
        await wait_for(lambda i=i: sum(1 for f in fired if f[1] == kept.id) >= i)
    await asyncio.sleep(0.05)
    assert sum(1 for f in fired if f[1] == removed.id) == before


async def test_missed_ticks_are_not_backfilled_but_a_tick_in_grace_fires(nodes):
    pair, clock, fired = nodes
    scheduler = pair[0]
    every = entry()
    scheduler.update([every])
    clock.now = T0 + 600 + 20  # 10 minutes later; the tick at T0+600 is 20 s old (grace 30 s)
    assert await scheduler.run_due() == 1
    assert [tick for *_, tick, _ in fired] == [T0 + 600]
    clock.now = T0 + 1200 + 45  # down again; the last tick is 45 s old: skipped
    assert await scheduler.run_due() == 0
    clock.now = T0 + 1260 + 1
    assert await scheduler.run_due() == 1
    assert [tick for *_, tick, _ in fired] == [T0 + 600, T0 + 1260]


async def test_a_node_starting_late_fires_a_due_tick_nobody_claimed(nodes):
    pair, clock, fired = nodes
    late = pair[1]
    clock.now = T0 + 60 + 10
    every = entry()
    late.update([every])  # update() looks back over the grace window
    assert await late.run_due() == 1
    assert fired[0][2] == T0 + 60


async def test_a_failed_fire_is_retried_by_its_claimer_only(nodes):
    pair, clock, fired = nodes
    flaky = Scheduler(pair[0].nc, Recorder(fired, "flaky", fail_first=2), clock=clock, grace=30, poll=0.01)
    every = entry()
    flaky.update([every])
    other = pair[1]
    other.update([every])
    clock.now = T0 + 60 + 1
    assert await flaky.run_due() == 0  # claimed, fire failed
    assert await other.run_due() == 0  # the claim holds: the other node does not fire it
    assert await flaky.run_due() == 0  # fails again, still its own claim
    assert await flaky.run_due() == 1
    assert [(node, tick) for node, _, tick, _ in fired] == [("flaky", T0 + 60)]


async def test_event_carries_the_rule_and_tick_and_constant_input_replaces_it(nodes):
    pair, clock, fired = nodes
    scheduler = pair[0]
    plain, constant = entry("cron(* * * * ? *)"), entry("rate(1 minute)", input={"job": "report"})
    scheduler.update([plain, constant])
    clock.now = T0 + 60 + 2
    assert await scheduler.run_due() == 2
    events = {eid: event for _, eid, _, event in fired}
    event = events[plain.id]
    assert event["resources"] == [ARN] and event["region"] == "eu-west-1" and event["account"] == "123456789012"
    assert event["time"] == "2027-01-15T08:01:00Z" and event["detail-type"] == "Scheduled Event"
    uuid.UUID(event["id"])
    assert events[constant.id] == {"job": "report"}


def test_entry_ids_become_valid_distinct_kv_keys():
    import re

    ids = ["a.b", "a_2Eb", "a/b", "a b", "ünï", "_", "", "a-b", "..", "x" * 3]
    keys = [tick_key(i, T0) for i in ids]
    assert len(set(keys)) == len(ids)
    for key in keys:
        assert re.fullmatch(r"[-/_=.a-zA-Z0-9]+", key) and not key.startswith(".") and not key.endswith(".")
        assert key.count(".") == 1
    assert key_token("daily-report") == "daily-report"


async def wait_for(condition, timeout: float = 5.0) -> None:
    async def poll():
        while not condition():
            await asyncio.sleep(0.005)
    await asyncio.wait_for(poll(), timeout)
