"""Durable consumers that resume in order: where a first consumer starts, and where a restarted one resumes."""

from __future__ import annotations

import asyncio
import time
import uuid

import nats
from nats.js.api import StreamConfig

from overcast.sources.consumers import pending, resume_push


async def _setup(engine_url):
    nc = await nats.connect(engine_url)
    js = nc.jetstream()
    name = f"T{uuid.uuid4().hex[:8]}"
    subject = f"test.{name}.0"
    await js.add_stream(StreamConfig(name=name, subjects=[f"test.{name}.*"]))
    return nc, js, name, subject


async def _collect(nc, js, name, subject, durable, want, **start) -> list:
    got, done = [], asyncio.Event()

    async def on_msg(msg):
        got.append(msg)
        if len(got) >= want:
            done.set()

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=on_msg)
    await resume_push(js, name, durable, subject, inbox, **start)
    if want:
        await asyncio.wait_for(done.wait(), 10)
    else:
        await asyncio.sleep(0.3)
    await sub.unsubscribe()
    return got


async def test_starting_positions(engine_url):
    nc, js, name, subject = await _setup(engine_url)
    try:
        for i in range(3):
            await js.publish(subject, f"old{i}".encode())
        await js.publish(f"test.{name}.1", b"other shard")
        horizon = await _collect(nc, js, name, subject, "horizon", 3, start="TRIM_HORIZON")
        assert [m.data for m in horizon] == [b"old0", b"old1", b"old2"]
        latest = await _collect(nc, js, name, subject, "latest", 0, start="LATEST")
        assert latest == []
        time.sleep(1.1)
        mark = time.time()
        await js.publish(subject, b"new0")
        at = await _collect(nc, js, name, subject, "at", 1, start="AT_TIMESTAMP", start_time=mark)
        assert [m.data for m in at] == [b"new0"]
        # the LATEST consumer started after old2: on restart it delivers new0 and nothing older
        again = await _collect(nc, js, name, subject, "latest", 1, start="LATEST")
        assert [m.data for m in again] == [b"new0"]
    finally:
        await nc.close()


async def test_a_restarted_consumer_resumes_in_order_at_its_ack_floor(engine_url):
    nc, js, name, subject = await _setup(engine_url)
    try:
        for i in range(6):
            await js.publish(subject, str(i).encode())
        first = await _collect(nc, js, name, subject, "esm", 6)
        for i in (0, 1, 3):  # 2 is unacknowledged: the floor is 1 (stream sequence 2)
            await first[i].ack_sync()
        assert await pending(js, name, "esm") == 3
        again = await _collect(nc, js, name, subject, "esm", 4)
        # everything from the first unacknowledged record, in order (3 again: at-least-once)
        assert [m.data for m in again] == [b"2", b"3", b"4", b"5"]
    finally:
        await nc.close()
