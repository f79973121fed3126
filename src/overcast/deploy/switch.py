"""Moving traffic to new versions without a failed request: serve first, then route.

Gateways and runtimes watch the same state document, in no particular order.
If one document both started the new version and pointed ``live`` at it, a
gateway could route to a version no runtime serves yet; if one document moved
``live`` and dropped the old version, a gateway that has not switched yet
could route to a version no runtime serves any more. So a switch writes three
documents, each once every process serves the one before:
1. ``live`` unchanged, ``_next`` → new version (runtimes start serving it);
2. ``live`` → new version, ``_prev`` → old version (gateways switch);
3. the final document (the old version drains: calls in flight finish).
If any step is not applied in time, the previous document is written back.
"""

from __future__ import annotations

import time

from nats.aio.client import Client

from overcast.deploy import health, state
from overcast.deploy.versions import LIVE

NEXT = "_next"
PREV = "_prev"
APPLY_TIMEOUT_S = 30.0


class SwitchFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def staged(previous: dict | None, final: dict) -> list[dict]:
    """The intermediate documents (none when no function's ``live`` moves)."""
    before = (previous or {}).get("aliases") or {}
    first, second, moves = {}, {}, False
    for fn, names in (final.get("aliases") or {}).items():
        old_live = before.get(fn, {}).get(LIVE)
        if old_live is None or old_live == names.get(LIVE):
            first[fn] = second[fn] = dict(names)
            continue
        first[fn] = {**names, LIVE: old_live, NEXT: names[LIVE]}
        second[fn] = {**names, PREV: old_live}
        moves = True
    if not moves:
        return []
    return [dict(final, aliases=first, phase="staged"), dict(final, aliases=second, phase="staged")]


async def switch(nc: Client, previous: dict | None, final: dict, expect: int) -> int:
    """Write ``final`` (via the staged documents when live aliases move); returns its KV revision."""
    stage, stack = final["stage"], final["stack"]
    written = expect
    try:
        for doc in [*staged(previous, final), final]:
            written = await state.write(nc, doc, expect=written)
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
