"""Pre-deploy check: every live runtime process starts the new revision's functions first.

Nothing has moved yet when this runs: a function that cannot start (missing
module, failing module-level code, dependencies that do not install) stops
the deploy and the previous revision keeps serving.
"""

from __future__ import annotations

import asyncio
import time

import orjson
from nats.aio.client import Client

from overcast.deploy import state
from overcast.engine import subjects
from overcast.platform import nodes

CHECK_TIMEOUT_S = 30.0


async def precheck(nc: Client, new_state: dict, timeout: float = CHECK_TIMEOUT_S) -> list[str]:
    """Ask every live runtime process to start the new revision's functions; the failures, if any."""
    registered = await nodes.live(nc, "runtime")
    statuses = await asyncio.gather(*(nodes.status(nc, role, node) for role, node in registered))
    runtimes = [n for n, st in zip(registered, statuses) if st is not nodes.GONE]  # skip killed ones
    if not runtimes:
        return ["no runtime process is running on the platform"]
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    failures, answered = [], set()
    try:
        await nc.publish(subjects.CHECK, state.encode(new_state), reply=inbox)
        deadline = time.monotonic() + timeout
        while len(answered) < len(runtimes) and time.monotonic() < deadline:
            try:
                msg = await sub.next_msg(timeout=max(0.05, deadline - time.monotonic()))
            except Exception:  # nats TimeoutError
                break
            body = orjson.loads(msg.data)
            answered.add(body.get("node"))
            if body.get("error"):
                failures.append(f"runtime {body.get('node')}: {body['error']}")
            for fn, result in sorted((body.get("functions") or {}).items()):
                if not result["ok"]:
                    err = result.get("error") or {}
                    failures.append(f"function {fn} does not start: {err.get('errorType')}: {err.get('errorMessage')}")
    finally:
        await sub.unsubscribe()
    missing = len(runtimes) - len(answered)
    if missing > 0 and not failures:
        failures.append(f"{missing} runtime process(es) did not answer the pre-deploy check in {timeout:.0f} s")
    return sorted(set(failures))
