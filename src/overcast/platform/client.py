"""What the CLI does against a running platform: invoke a function, read its logs."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator

from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from overcast.deploy import versions
from overcast.deploy.state import read_all
from overcast.engine import protocol, subjects
from overcast.errors import FunctionNotFound, OvercastError
from overcast.observe import logs


def resolve(states: dict[tuple[str, str], dict], name: str) -> tuple[str, str, dict]:
    """``function``, ``stack.function`` or the Lambda name ``stack-stage-function`` -> (stack, function, spec)."""
    stack_part, _, fn_part = name.rpartition(".")
    found = []
    for (stage, stack), state in states.items():
        for fname, fn in state["spec"]["functions"].items():
            if fname == fn_part and (not stack_part or stack_part == stack):
                found.append((stack, fname, fn))
            elif not stack_part and f"{stack}-{stage}-{fname}" == name:
                found.append((stack, fname, fn))
    if len(found) == 1:
        return found[0]
    if not found:
        known = sorted(f"{s}.{f}" for (_, s), st in states.items() for f in st["spec"]["functions"])
        raise FunctionNotFound(f"Function not found: {name} (deployed: {', '.join(known) or 'none'})")
    names = ", ".join(f"{s}.{f}" for s, f, _ in found)
    raise FunctionNotFound(f"{name} is ambiguous: {names}; name it as STACK.FUNCTION")


async def invoke(nc, name: str, payload: bytes, *, stage: str = "dev", qualifier: str | None = None,
                 tail: bool = True) -> tuple[str, str, protocol.Reply]:
    """Invoke synchronously (``qualifier``: alias, version number or $LATEST; default live)."""
    states = await read_all(nc, stage)
    stack, fname, fn = resolve(states, name)
    try:
        version = versions.resolve(states[(stage, stack)], fname, qualifier)
    except KeyError as exc:
        raise FunctionNotFound(str(exc).strip('"')) from None
    inv = protocol.Invocation(str(uuid.uuid4()), payload, log_tail=tail)
    try:
        msg = await nc.request(subjects.invoke(stage, stack, fname, version), protocol.encode_invocation(inv),
                               timeout=fn["timeout"] + 10)
    except NoRespondersError:
        raise OvercastError(f"no runtime serves {stack}.{fname}: is the platform running?") from None
    except (NatsTimeout, asyncio.TimeoutError):
        raise OvercastError(f"{stack}.{fname} did not answer within {fn['timeout'] + 10} s") from None
    return stack, fname, protocol.decode_reply(msg.data)


async def invoke_async(nc, name: str, payload: bytes, *, stage: str = "dev") -> tuple[str, str, str]:
    """Queue an asynchronous invocation (Lambda's ``InvocationType=Event``): (stack, function, request id)."""
    from overcast.sources.async_store import enqueue

    stack, fname, _ = resolve(await read_all(nc, stage), name)
    return stack, fname, await enqueue(nc, stage, stack, fname, payload)


def log_tail(reply: protocol.Reply) -> str:
    return base64.b64decode(reply.log_result).decode("utf-8", "replace") if reply.log_result else ""


async def read_logs(nc, name: str, follow: bool, stage: str = "dev") -> AsyncIterator[dict]:
    """Every stored log record of a function, oldest first; then new ones while ``follow``."""
    stack, fname, _ = resolve(await read_all(nc, stage), name)
    js = nc.jetstream()
    subject = subjects.logs(stage, stack, fname)
    sub = await js.subscribe(subject, ordered_consumer=True, stream=subjects.LOGS_STREAM)
    try:
        info = await js.stream_info(subjects.LOGS_STREAM, subjects_filter=subject)
        remaining = (info.state.subjects or {}).get(subject, 0)
        while follow or remaining > 0:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except (NatsTimeout, asyncio.TimeoutError):
                if follow:
                    continue
                break  # fewer records than counted (some aged out meanwhile)
            remaining -= 1
            for rec in logs.decode_batch(msg.data):
                yield rec
    finally:
        await sub.unsubscribe()
