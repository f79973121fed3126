"""Storing an asynchronous invocation (Lambda's ``InvocationType=Event``) in JetStream: :func:`enqueue`.

The event goes to ``async_invoke(stage, stack, fn)`` in the ``ASYNC_STREAM`` (work-queue retention), where
every dispatcher's :class:`~overcast.sources.async_invoke.AsyncInvoker` reads it.
"""

from __future__ import annotations

import time
import uuid

from nats.js.errors import NoStreamResponseError

from overcast import limits
from overcast.engine import subjects
from overcast.errors import EngineError, LimitExceeded
from overcast.sources.async_settings import event_headers


async def enqueue(nc, stage: str, stack: str, fn: str, payload: bytes, *, request_id: str | None = None,
                  enqueued_at: float | None = None, attempts_made: int = 0, not_before: float | None = None) -> str:
    """Store an asynchronous invocation of ``stack.fn``; returns its request id once JetStream has it.

    ``enqueued_at`` (epoch seconds) is when the event was first accepted, when it is re-enqueued from
    elsewhere; it is what ``maximumEventAge`` counts from. The request id doubles as JetStream's
    message id, so enqueueing the same request twice within the duplicate window stores it once.
    ``attempts_made`` and ``not_before`` (epoch seconds) store an event whose first attempts were
    made elsewhere (``async_first``), with its next attempt due then."""
    lim = limits.LIMITS["lambda.async_payload"]
    if len(payload) > lim.value:
        raise LimitExceeded(lim, len(payload))
    rid = request_id or str(uuid.uuid4())
    at = time.time() if enqueued_at is None else enqueued_at
    try:
        await nc.jetstream().publish(subjects.async_invoke(stage, stack, fn), payload,
                                     headers=event_headers(rid, at, attempts_made, not_before),
                                     stream=subjects.ASYNC_STREAM)
    except NoStreamResponseError:
        raise EngineError(f"the engine has no {subjects.ASYNC_STREAM} stream: is the platform running?") from None
    return rid
