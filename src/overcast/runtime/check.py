"""Pre-deploy check: can this node start every function of a new stack revision?

The applier asks every runtime process before it switches traffic. Each
function gets one trial environment with the new code and configuration; its
init (imports, module-level code) must succeed. Trial environments serve no
request and are killed right after, so a broken revision never takes traffic.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from overcast.runtime import calls
from overcast.runtime.config import FunctionConfig, functions_of
from overcast.runtime.deps import DepsError
from overcast.runtime.environment import Environment
from overcast.runtime.forkserver import ForkServer

log = logging.getLogger("overcast.runtime")


async def answer(data: bytes, node_id: str, code_root, forkserver: ForkServer, register,
                 endpoint: str | None = None) -> dict:
    """The reply to one check request: per-function results, or the error that prevented them."""
    try:
        stack_state = orjson.loads(data)
        configs = functions_of(stack_state, *await code_root(stack_state), endpoint)
        return {"node": node_id, "functions": await trial(forkserver, configs, register)}
    except DepsError as exc:
        return {"node": node_id, "error": exc.message}
    except Exception as exc:  # report, do not crash: the applier decides
        log.exception("pre-deploy check failed")
        return {"node": node_id, "error": f"{type(exc).__name__}: {exc}"}


async def trial(forkserver: ForkServer, configs: list[FunctionConfig], register) -> dict[str, dict]:
    """``{function: {"ok": bool, "error": Lambda error object | None, "initMs": float | None}}``."""
    results = await asyncio.gather(*(_one(forkserver, cfg, register) for cfg in configs))
    return {cfg.name: result for cfg, result in zip(configs, results)}


async def _one(forkserver: ForkServer, cfg: FunctionConfig, register) -> dict:
    env = Environment(generation=-1)
    try:
        error = await calls.start(env, cfg, forkserver, register)
    finally:
        logs = env.take_logs() if env.pid else b""
        env.kill()
    out = {"ok": error is None, "error": error, "initMs": env.init_ms}
    if error is not None:
        out["logs"] = (env.init_logs or logs).decode("utf-8", "replace")[-4000:]
    return out
