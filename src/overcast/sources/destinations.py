"""Destinations of asynchronous invocations: where the invocation record of a finished event goes.

A target is written ``queue:NAME`` (an SQS-compatible queue), ``stream:NAME`` (a Kinesis-compatible
stream) or ``function:NAME`` (another function, invoked asynchronously; ``NAME`` is ``FUNCTION``,
``STACK.FUNCTION`` or the Lambda name ``STACK-STAGE-FUNCTION``). :func:`invocation_record` builds
the record (pure, shaped by ``records``); :func:`deliver` sends it, :func:`deliver_patiently` keeps trying
for as long as the event may live.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson

from overcast.engine import protocol
from overcast.errors import OvercastError
from overcast.sources.records import async_destination_record

log = logging.getLogger("overcast.sources")
KINDS = ("queue", "stream", "function")

SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"


class InvalidDestination(OvercastError):
    """A destination is not written ``queue:NAME``, ``stream:NAME`` or ``function:NAME``."""

    code = "destination.invalid"
    http_status = 400
    aws_name = "InvalidParameterValueException"


class DestinationNotFound(OvercastError):
    """The queue, stream or function a destination names does not exist (now)."""

    code = "destination.not_found"
    http_status = 404
    aws_name = "ResourceNotFoundException"


def parse_target(target: str) -> tuple[str, str]:
    """``"queue:orders-dlq"`` -> ``("queue", "orders-dlq")``; raises :class:`InvalidDestination`."""
    kind, sep, name = (target or "").partition(":")
    if not sep or kind not in KINDS or not name.strip():
        raise InvalidDestination(
            f"invalid destination {target!r}: write queue:NAME, stream:NAME or function:NAME", destination=target)
    return kind, _unarn(kind, name.strip())


def _unarn(kind: str, name: str) -> str:
    """The resource name of an ARN (``arn:aws:sqs:REGION:ACCOUNT:NAME``, ``...:stream/NAME``,
    ``...:function:NAME[:QUALIFIER]``); a plain name as it is."""
    if not name.startswith("arn:"):
        return name
    parts = name.split(":")
    if kind == "function" and "function" in parts[5:6]:
        return parts[6] if len(parts) > 6 else name
    return parts[-1].removeprefix("stream/")


def invocation_record(*, request_id: str, function_arn: str, version: str, condition: str, invoke_count: int,
                      request_payload: bytes, reply: protocol.Reply | None, now: float | None = None) -> dict:
    """Lambda's asynchronous invocation record (what a destination receives), from the last reply.

    ``reply`` is None when the function never ran (the event aged out before any attempt);
    ``responseContext``/``responsePayload`` are then left out (see ``records.async_destination_record``).
    """
    ran = reply is not None
    return async_destination_record(
        request_id=request_id, function_arn=f"{function_arn}:{version}", condition=condition,
        approximate_invoke_count=invoke_count, request_payload=request_payload,
        status_code=200 if ran else None, executed_version=version,
        # AWS: "Unhandled" for errors the runtime caught (exceptions, timeouts, crashes)
        function_error="Unhandled" if ran and reply.status != protocol.OK else None,
        response_payload=reply.payload if ran else None, timestamp=time.time() if now is None else now)


async def deliver(nc, target: str, record: dict, *, stage: str = "dev") -> None:
    """Send ``record`` to ``target``; returns once the target accepted it.

    Raises :class:`InvalidDestination` for a malformed target, :class:`DestinationNotFound` when the
    queue, stream or function is not there; engine trouble propagates (the caller retries)."""
    kind, name = parse_target(target)
    body = orjson.dumps(record)
    if kind == "queue":
        from overcast.queues import client as queues

        await _known(queues.send(nc, name, body.decode()), kind, name)
    elif kind == "stream":
        from overcast.streams.records import put_record

        await _known(put_record(nc, name, body, record["requestContext"]["requestId"]), kind, name)
    else:
        from overcast.deploy.state import read_all
        from overcast.errors import FunctionNotFound
        from overcast.platform.client import resolve
        from overcast.sources.async_store import enqueue

        try:
            stack, fname, _ = resolve(await read_all(nc, stage), name)
        except FunctionNotFound as exc:
            raise DestinationNotFound(f"destination {target}: {exc.message}", destination=target) from None
        await enqueue(nc, stage, stack, fname, body)


_MISSING = ("NotFound", "DoesNotExist", "NonExistent")  # AWS's names for "no such queue/stream"


async def deliver_patiently(nc, target: str, record: dict, stage: str, patience: float) -> None:
    """:func:`deliver`, retrying transient trouble for up to ``patience`` seconds (the event's own budget); an
    invalid destination or one that keeps failing is logged and the record dropped."""
    from overcast.sources.async_settings import throttle_pause

    give_up, times = time.time() + patience, 0
    rid = record["requestContext"]["requestId"]
    while True:
        try:
            await deliver(nc, target, record, stage=stage)
            return
        except InvalidDestination as exc:
            log.error("async invocation %s: %s; record dropped", rid, exc.message)
            return
        except Exception as exc:
            if time.time() > give_up:
                log.error("async invocation %s: destination %s kept failing (%s); record dropped", rid, target, exc)
                return
            log.warning("destination %s failed (%s); trying again", target, exc)
        await asyncio.sleep(throttle_pause(times))
        times += 1


async def _known(call, kind: str, name: str) -> None:
    """Await a queue/stream call, turning its "does not exist" error into :class:`DestinationNotFound`."""
    try:
        await call
    except OvercastError as exc:
        if exc.code.endswith("not_found") or any(w in (exc.aws_name or "") for w in _MISSING):
            raise DestinationNotFound(f"destination {kind}:{name}: {exc.message}", destination=f"{kind}:{name}") \
                from None
        raise
