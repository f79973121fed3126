"""What a runtime process serves for a stack: code location, dependencies, (function, version) pairs."""

from __future__ import annotations

import logging
from pathlib import Path

from nats.aio.client import Client

from overcast.deploy import artifacts, versions
from overcast.runtime import deps
from overcast.runtime.config import FunctionConfig, function_config, platform_env

log = logging.getLogger("overcast.runtime")
Key = tuple[str, str, str, str]  # stage, stack, function, version ("latest" for a live directory)


async def code_root(nc: Client, cache: Path, stack_state: dict) -> tuple[str, str | None]:
    """(code directory, installed dependencies) of a stack on this node.

    The code is the live directory (dev) or the fetched artifact; dependencies come from
    its requirements.txt (installed once per distinct file).
    """
    code = stack_state["code"]
    root = Path(code["path"]) if "path" in code else await artifacts.fetch(nc, code["sha256"], cache)
    installed = await deps.ensure(root, cache)
    return str(root), str(installed) if installed else None


async def wanted(nc: Client, cache: Path, stage: str, stack: str, stack_state: dict,
                 endpoint: str | None = None) -> dict[Key, FunctionConfig]:
    """Every (function, version) the stack's state asks this node to serve."""
    root, installed = await code_root(nc, cache, stack_state)
    env = platform_env(stack_state, endpoint)
    newest = stack_state.get("versions") or {}
    out: dict[Key, FunctionConfig] = {}
    for name, fn in stack_state["spec"]["functions"].items():
        if name not in newest:  # a live directory (overcast dev): unpublished $LATEST
            out[(stage, stack, name, versions.LATEST_TOKEN)] = function_config(
                stage, stack, name, fn, root, installed, platform_env=env)
            continue
        for v in sorted(versions.served(stack_state, name)):
            if v == newest[name]:
                out[(stage, stack, name, str(v))] = function_config(stage, stack, name, fn, root, installed, str(v), env)
                continue
            record = await versions.read(nc, stage, stack, name, v)
            if record is None:
                log.warning("version %s of %s.%s.%s is not published; not served", v, stage, stack, name)
                continue
            vroot, vdeps = await code_root(nc, cache, record)
            out[(stage, stack, name, str(v))] = function_config(stage, stack, name, record["spec"], vroot,
                                                                vdeps, str(v), env)
    return out
