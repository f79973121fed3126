"""Answering one invocation message on a pool's subscription: decode, size check, admit, run, reply.

Admission is synchronous in the subscription callback (a warm environment, a wait for the first free
one, or throttle: see ``pool``); an admitted call then runs in its own task, started by ``spawn``, so
one slow call never holds up another. The manager owns the subscriptions and those tasks (``manager``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine

import orjson
from nats.aio.client import Client

from overcast import limits
from overcast.engine import protocol
from overcast.runtime.pool import Pool

log = logging.getLogger("overcast.runtime")


async def on_request(pool: Pool, msg, spawn: Callable[[Coroutine], None], nc: Client) -> None:
    """Answer an undecodable, oversized or throttled request at once; ``spawn`` the call of an admitted one."""
    try:
        inv = protocol.decode_invocation(msg.data)
    except (ValueError, KeyError):
        return  # not ours: nothing sensible to answer
    lim = limits.LIMITS["lambda.sync_request_payload"]
    if len(inv.payload) > lim.value:
        body = orjson.dumps({"message": lim.describe_violation(f"{len(inv.payload)} bytes"),
                             "limit": lim.name, "limitValue": lim.value})
        await msg.respond(protocol.encode_reply(protocol.Reply(protocol.REJECTED, body, inv.request_id)))
        return
    admitted = pool.admit()
    if isinstance(admitted, protocol.Reply):
        admitted.request_id = inv.request_id
        await msg.respond(protocol.encode_reply(admitted))
        return
    spawn(serve(pool, admitted, inv, msg, nc))


async def serve(pool: Pool, env, inv: protocol.Invocation, msg, nc: Client) -> None:
    """Run an admitted call on ``env`` and answer it (when the caller waits for an answer)."""
    try:
        reply = await pool.run(env, inv)
    except Exception as exc:  # a bug of ours must not leave the caller waiting
        log.exception("invocation %s failed inside the runtime", inv.request_id)
        reply = protocol.Reply(protocol.ERROR, protocol.error_payload(
            f"RequestId: {inv.request_id} Error: runtime failure: {exc}", "Runtime.Unknown", inv.request_id),
            inv.request_id)
    if msg.reply:
        await msg.respond(protocol.encode_reply_within(reply, nc.max_payload))
