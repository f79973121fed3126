"""Which overcast processes are alive, and what each of them serves.

Every gateway and runtime process registers itself in the ``overcast_nodes``
bucket (key ``ROLE.NODEID``, refreshed every few seconds; entries expire
when a process stops refreshing) and answers status requests on its own
subject. The applier uses both to wait until *every* live process serves a
new revision, whatever host it runs on.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid

import orjson
from nats.aio.client import Client
from nats.errors import NoRespondersError

from overcast.engine import subjects
from overcast.engine.connect import bucket, live_keys

NODES_BUCKET = "overcast_nodes"
TTL_S = 15.0
HEARTBEAT_S = 4.0


def new_node_id() -> str:
    return uuid.uuid4().hex[:12]


async def _kv(nc: Client):
    return await bucket(nc, NODES_BUCKET, ttl=TTL_S, history=1)


async def heartbeat(nc: Client, role: str, node_id: str) -> None:
    """Keep this process registered until cancelled (then deregister)."""
    kv = await _kv(nc)
    info = orjson.dumps({"role": role, "node": node_id, "host": socket.gethostname(), "pid": os.getpid(),
                         "since": time.time()})
    key = f"{role}.{node_id}"
    try:
        while True:
            await kv.put(key, info)
            await asyncio.sleep(HEARTBEAT_S)
    finally:
        try:
            await kv.delete(key)
        except Exception:  # the connection may already be gone at shutdown
            pass


async def live(nc: Client, role: str | None = None) -> list[tuple[str, str]]:
    """(role, node id) of every registered process."""
    kv = await _kv(nc)
    keys = await live_keys(kv)
    out = []
    for key in keys:
        r, _, node = key.partition(".")
        if role is None or r == role:
            out.append((r, node))
    return sorted(out)


GONE = {"gone": True}


async def status(nc: Client, role: str, node_id: str, timeout: float = 1.0) -> dict | None:
    """A process's status; ``GONE`` when nothing answers on its subject any more (it died and its
    registration has not expired yet); None when it did not answer in time."""
    try:
        msg = await nc.request(subjects.node_status(role, node_id), b"", timeout=timeout)
    except NoRespondersError:
        return GONE
    except Exception:  # busy or slow: the caller retries
        return None
    return orjson.loads(msg.data)
