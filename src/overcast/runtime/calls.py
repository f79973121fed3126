"""Starting one environment and running one invocation on it: the parts of a pool's work that talk to a worker,
and the log an invocation leaves (Lambda's START/END/REPORT around what the function printed).

Both return plain outcomes; the pool decides what happens to the environment and its requests
(``pool.py``), the pre-deploy check starts trial environments with the same :func:`start` (``check.py``).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from overcast import limits
from overcast.engine import protocol
from overcast.observe import logs
from overcast.runtime import frames
from overcast.runtime.config import FunctionConfig, new_log_stream
from overcast.runtime.environment import Environment, EnvironmentDied, result_of
from overcast.runtime.forkserver import ForkServer

log = logging.getLogger("overcast.runtime")
INIT_TIMEOUT_S = 10.0  # Lambda's on-demand init phase limit
LOG_TAIL_BYTES = 4096  # Lambda returns the last 4 KB with LogType=Tail


async def start(env: Environment, cfg: FunctionConfig, forkserver: ForkServer, register) -> dict | None:
    """Fork ``env`` for ``cfg`` and wait for its init: None, or Lambda's init error object.

    ``register(env)`` runs as soon as the pid is known (so an exit during init is seen)."""
    stream = new_log_stream(cfg.version, datetime.now(timezone.utc).strftime("%Y/%m/%d"))
    config = cfg.worker_config(stream, limits.LIMITS["lambda.sync_response_payload"].value)
    try:
        return await asyncio.wait_for(env.spawn(forkserver, config, register), INIT_TIMEOUT_S)
    except asyncio.TimeoutError:
        return {"errorMessage": f"INIT timed out after {INIT_TIMEOUT_S:.2f} seconds",
                "errorType": "Sandbox.Timedout", "stackTrace": []}
    except EnvironmentDied as died:
        return {"errorMessage": f"Error: Runtime exited with error: {died.how}",
                "errorType": "Runtime.ExitError", "stackTrace": []}
    except (OSError, RuntimeError, ValueError) as exc:  # the fork server failed: whoever waits must hear of it
        log.exception("%s.%s: starting an environment failed", cfg.stack, cfg.name)
        return {"errorMessage": f"Error: could not start the runtime: {exc}",
                "errorType": "Runtime.Unknown", "stackTrace": []}


@dataclass
class Outcome:
    """What one invocation came to: ``fatal`` means the environment must not be used again."""

    status: str
    payload: bytes
    worker_meta: dict = field(default_factory=dict)  # {"ms": duration, "maxMb": ...} as the worker measured
    fatal: bool = False
    trailer: str = ""  # a line the platform adds to the function's log (timeout, crash)


async def call(env: Environment, inv: protocol.Invocation, timeout: float) -> Outcome:
    """Run ``inv`` on ``env``, which is busy with nothing else; a timeout or a crash is an error outcome."""
    t0 = time.monotonic()
    meta = {"rid": inv.request_id, "deadline": int((time.time() + timeout) * 1000)}
    if inv.client_context is not None:
        meta["cc"] = inv.client_context
    fut = env.send(meta, inv.payload)
    timer = asyncio.get_running_loop().call_later(timeout, _expire, fut)
    try:
        kind, body = await result_of(env, fut)
    except asyncio.TimeoutError:
        elapsed = time.monotonic() - t0
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        msg = f"{stamp} {inv.request_id} Task timed out after {elapsed:.2f} seconds"
        payload = protocol.error_payload(msg, protocol.TIMEOUT_ERROR_TYPE, inv.request_id)
        return Outcome(protocol.ERROR, payload, {"ms": elapsed * 1000}, fatal=True, trailer=msg)
    except EnvironmentDied as died:
        msg = f"RequestId: {inv.request_id} Error: Runtime exited with error: {died.how}"
        payload = protocol.error_payload(msg, "Runtime.ExitError", inv.request_id)
        return Outcome(protocol.ERROR, payload, {"ms": (time.monotonic() - t0) * 1000}, fatal=True, trailer=msg)
    finally:
        timer.cancel()
    wmeta, body = env.split(body)
    env.invocations += 1
    return Outcome(protocol.OK if kind == frames.RESULT else protocol.ERROR, body, wmeta)


def log_text(cfg: FunctionConfig, env: Environment, inv: protocol.Invocation, out: Outcome, cold: bool) -> str:
    """The invocation's log as Lambda writes it; a cold one carries the init's output and duration."""
    return logs.invocation_text(
        inv.request_id, cfg.version, cfg.memory, env.init_logs if cold else b"", env.take_logs(), out.trailer,
        float(out.worker_meta.get("ms", 0.0)), out.worker_meta.get("maxMb", 0), env.init_ms if cold else None)


def log_tail(text: str) -> str:
    """``LogType=Tail``: base64 of the last 4 KB of the log."""
    return base64.b64encode(text.encode()[-LOG_TAIL_BYTES:]).decode()


def _expire(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_exception(asyncio.TimeoutError())
