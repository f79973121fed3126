"""Invoking functions from the dispatcher: every event source goes through :class:`FunctionInvoker`.

The invoker keeps each deployed stack's desired state (read once, then watched in the stacks KV
bucket), so it always invokes a function's ``live`` version with that version's settings. Engine
trouble never raises: it comes back as a :class:`~overcast.engine.protocol.Reply`, so callers have
one thing to look at.

What a reply means to a caller that retries (``async_invoke``, the event-source mappings):

=================  =====================================  ==========================================
status             when                                   retry?
=================  =====================================  ==========================================
``ok``             the handler returned                   no
``error``          the handler raised, crashed or timed   yes, and it *consumes an attempt*
                   out (also when no reply came within
                   the function's timeout + margin:
                   ``errorType`` ``Sandbox.Timedout``)
``throttled``      no execution environment within the    yes, *without consuming an attempt*
                   concurrency limits, or no runtime      (:func:`consumes_attempt` is False)
                   serves the function yet (``errorType``
                   ``ServiceUnavailable``, see below)
``rejected``       the request can never succeed: the     no: report it as a failure
                   function is not deployed, the payload
                   breaks a limit
=================  =====================================  ==========================================

AWS does the same: for asynchronous invocation, throttling (429) and system errors (5xx) return the
event to the queue and are retried for up to the maximum event age, apart from the function's
``MaximumRetryAttempts``; for stream mappings, errors "before invocation" (throttling) are retried
until the record expires, and only errors returned by an invoked function count against the retry
quota. A runtime that is not (yet) serving a function is our system error, so it is treated alike.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

import orjson
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from overcast.deploy import state as state_mod
from overcast.deploy import versions
from overcast.engine import protocol, subjects
from overcast.runtime.config import ACCOUNT_ID, REGION

log = logging.getLogger("overcast.sources")

REPLY_MARGIN_S = 5.0  # on top of the function's timeout: the runtime answers a timeout itself first
NOT_FOUND_ERROR_TYPE = "ResourceNotFoundException"
UNAVAILABLE_ERROR_TYPE = "ServiceUnavailable"

StateCallback = Callable[[str, str, "dict | None"], Awaitable[None]]


def consumes_attempt(reply: protocol.Reply) -> bool:
    """Whether a failed reply counts against a retry budget (only errors of an invoked function do)."""
    return reply.status == protocol.ERROR


def retryable(reply: protocol.Reply) -> bool:
    """Whether trying again may help (function errors and throttling; not ``ok``, not ``rejected``)."""
    return reply.status in (protocol.ERROR, protocol.THROTTLED)


def lambda_name(stage: str, stack: str, fn: str) -> str:
    return f"{stack}-{stage}-{fn}"


def function_arn(stage: str, stack: str, fn: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{lambda_name(stage, stack, fn)}"


def _failure(status: str, message: str, error_type: str, request_id: str) -> protocol.Reply:
    return protocol.Reply(status, protocol.error_payload(message, error_type, request_id), request_id)


class FunctionInvoker:
    """The dispatcher's view of deployed functions, and the way it invokes them."""

    def __init__(self, nc) -> None:
        self.nc = nc
        self.states: dict[tuple[str, str], dict] = {}
        self._callbacks: list[StateCallback] = []
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Read every stack's state, then follow changes until :meth:`stop`."""
        self.states = await state_mod.read_all(self.nc)
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # bounded: a watch cancelled while nats-py sets up its ordered consumer has been seen (rarely, under
            # pytest-asyncio) never to report back; stopping must not hang on it
            await asyncio.wait([self._task], timeout=5.0)
            self._task = None

    def subscribe(self, callback: StateCallback) -> None:
        """Call ``await callback(stage, stack, state or None)`` after every change of a stack's state."""
        self._callbacks.append(callback)

    async def _watch(self) -> None:
        while True:
            try:
                await state_mod.watch(self.nc, self._apply)
            except asyncio.CancelledError:
                raise
            except Exception:  # the engine restarted under us: watch again (replays every stack)
                log.exception("watching stack states failed; watching again")
                await asyncio.sleep(1.0)

    async def _apply(self, stage: str, stack: str, doc: dict | None, revision: int) -> None:
        if doc is None:
            if self.states.pop((stage, stack), None) is None:
                return
        elif self.states.get((stage, stack)) == doc:
            return  # the watch replays what start() already read
        else:
            self.states[(stage, stack)] = doc
        for callback in list(self._callbacks):
            try:
                await callback(stage, stack, doc)
            except Exception:  # one listener's bug must not stop the others learning
                log.exception("state listener %r failed on %s.%s", callback, stage, stack)

    # -- lookups -------------------------------------------------------------
    def function(self, stage: str, stack: str, fn: str) -> dict | None:
        """The function's spec (its stack-file entry, references resolved), or None if not deployed."""
        doc = self.states.get((stage, stack))
        if doc is None:
            return None
        return (doc.get("spec") or {}).get("functions", {}).get(fn)

    def arn(self, stage: str, stack: str, fn: str) -> str:
        return function_arn(stage, stack, fn)

    def version(self, stage: str, stack: str, fn: str) -> str | None:
        """The version ``live`` runs, as Lambda names it (``"3"``, or ``$LATEST`` in overcast dev)."""
        doc = self.states.get((stage, stack))
        if doc is None or self.function(stage, stack, fn) is None:
            return None
        token = versions.resolve(doc, fn, None)
        return versions.LATEST if token == versions.LATEST_TOKEN else token

    # -- invoking ------------------------------------------------------------
    async def invoke(self, stage: str, stack: str, fn: str, payload: bytes, *, timeout: float | None = None,
                     request_id: str | None = None) -> protocol.Reply:
        """Invoke the live version of ``stack.fn`` synchronously; never raises for engine trouble.

        ``timeout`` defaults to the function's timeout plus a margin (the runtime reports a timed-out
        handler itself; the margin covers the trip)."""
        rid = request_id or str(uuid.uuid4())
        spec = self.function(stage, stack, fn)
        if spec is None:
            return _failure(protocol.REJECTED, f"Function not found: {function_arn(stage, stack, fn)}",
                            NOT_FOUND_ERROR_TYPE, rid)
        token = versions.resolve(self.states[(stage, stack)], fn, None)
        wait = timeout if timeout is not None else float(spec.get("timeout", 3)) + REPLY_MARGIN_S
        data = protocol.encode_invocation(protocol.Invocation(rid, payload))
        try:
            msg = await self.nc.request(subjects.invoke(stage, stack, fn, token), data, timeout=wait)
        except NoRespondersError:
            return _failure(protocol.THROTTLED, f"no runtime serves {stack}.{fn} (version {token}) yet",
                            UNAVAILABLE_ERROR_TYPE, rid)
        except (NatsTimeout, asyncio.TimeoutError):
            return _failure(protocol.ERROR, f"{rid} Task timed out after {wait:.2f} seconds",
                            protocol.TIMEOUT_ERROR_TYPE, rid)
        try:
            return protocol.decode_reply(msg.data)
        except (orjson.JSONDecodeError, KeyError, ValueError):
            return _failure(protocol.ERROR, "the runtime sent an unreadable reply", "Runtime.InvalidReply", rid)
