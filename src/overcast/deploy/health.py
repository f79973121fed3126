"""Wait until every live gateway and runtime process serves a stack revision."""

from __future__ import annotations

import asyncio
import time

from nats.aio.client import Client

from overcast.engine import subjects
from overcast.errors import OvercastError
from overcast.platform import nodes

ROLES = ("gateway", "runtime")


class NotApplied(OvercastError):
    code = "deploy.not_applied"
    http_status = 504


async def lagging(nc: Client, stage: str, stack: str, revision: int) -> list[str]:
    """Processes that do not serve ``revision`` yet (a role with no process at all counts as lagging)."""
    name = subjects.stack_key(stage, stack)
    live = [(role, node) for role, node in await nodes.live(nc) if role in ROLES]  # dispatchers serve no routes
    behind = [f"no {role} process is running" for role in ROLES if not any(r == role for r, _ in live)]
    statuses = await asyncio.gather(*(nodes.status(nc, role, node) for role, node in live))
    for (role, node), status in zip(live, statuses):
        if status is nodes.GONE:  # killed without deregistering: not a process to wait for
            continue
        if status is None or status["stacks"].get(name, 0) < revision:
            behind.append(f"{role} {node}")
    return behind


async def wait_applied(nc: Client, stage: str, stack: str, revision: int, timeout: float,
                       stop: asyncio.Event | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        behind = await lagging(nc, stage, stack, revision)
        if not behind or (stop is not None and stop.is_set()):
            return
        if time.monotonic() > deadline:
            raise NotApplied(f"revision {revision} of {stage}.{stack} not served within {timeout:.0f} s by: "
                             + ", ".join(behind))
        await asyncio.sleep(0.05)
