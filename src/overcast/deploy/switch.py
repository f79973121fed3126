"""Moving traffic to new versions without a failed request: serve first, then route.

Gateways and runtimes watch the same state document, in no particular order.
If one document both started the new version and pointed ``live`` at it, a
gateway could route to a version no runtime serves yet. So a switch writes
two documents: first a staged one, where each function keeps its current
``live`` and a ``_next`` alias makes every runtime start the new version;
once every process serves it, the final one moves ``live``. The versions no
alias points at any more are then drained (calls in flight finish).
If any step is not applied in time, the previous document is written back.
"""

from __future__ import annotations

import time

from nats.aio.client import Client

from overcast.deploy import health, state
from overcast.deploy.versions import LIVE

NEXT = "_next"
APPLY_TIMEOUT_S = 30.0


class SwitchFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def staged(previous: dict | None, final: dict) -> dict | None:
    """The intermediate document, or None when no function's ``live`` moves."""
    before = (previous or {}).get("aliases") or {}
    aliases, moves = {}, False
    for fn, names in (final.get("aliases") or {}).items():
        old_live = before.get(fn, {}).get(LIVE)
        if old_live is None or old_live == names.get(LIVE):
            aliases[fn] = dict(names)
            continue
        aliases[fn] = {**names, LIVE: old_live, NEXT: names[LIVE]}
        moves = True
    return dict(final, aliases=aliases, phase="staged") if moves else None


async def switch(nc: Client, previous: dict | None, final: dict, expect: int) -> int:
    """Write ``final`` (via a staged document when live aliases move); returns its KV revision."""
    stage, stack = final["stage"], final["stack"]
    written = expect
    try:
        middle = staged(previous, final)
        if middle is not None:
            written = await state.write(nc, middle, expect=written)
            await health.wait_applied(nc, stage, stack, written, APPLY_TIMEOUT_S)
        written = await state.write(nc, final, expect=written)
        await health.wait_applied(nc, stage, stack, written, APPLY_TIMEOUT_S)
        return written
    except health.NotApplied as exc:
        if written != expect:
            await restore(nc, stage, stack, previous, written)
        raise SwitchFailed(exc.message) from None


async def restore(nc: Client, stage: str, stack: str, previous: dict | None, written: int) -> None:
    if previous is None:
        await state.delete(nc, stage, stack)
        return
    back = dict(previous, source="rollback", deployedAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    await state.write(nc, back, expect=written)
