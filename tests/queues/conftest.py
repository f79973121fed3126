"""Fixtures of the queue engine tests: a connection to the shared engine and a running QueueService."""

from __future__ import annotations

import uuid

import nats
import pytest

from overcast.queues import store
from overcast.queues.service import QueueService


@pytest.fixture
async def nc(engine_url):
    conn = await nats.connect(engine_url)
    yield conn
    await conn.close()


@pytest.fixture
async def service(nc):
    svc = QueueService(nc, lease_seconds=3.0, tick=0.5)
    await svc.start()
    yield svc
    await svc.stop()


@pytest.fixture
def make_queue(nc):
    """``await make_queue(attributes, fifo=False)`` creates a uniquely named queue; returns its name."""
    async def make(attributes=None, *, fifo=False, name=None):
        name = name or f"q-{uuid.uuid4().hex[:10]}" + (".fifo" if fifo else "")
        await store.create_queue(nc, name, attributes or {})
        return name
    return make
