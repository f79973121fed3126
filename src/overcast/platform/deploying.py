"""The client side of ``overcast deploy`` / ``overcast plan``: load, pack, upload, plan, confirm, apply.

Stacks are loaded and their local references resolved on the deploying
machine (``${env:...}``, ``${file(...)}``, ``${self:...}``, ``${stage}``); the
platform resolves ``${stack:...}`` imports against what it has deployed.
Several stack directories deploy in dependency order (importers after the
stacks they import from).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from overcast.deploy.artifacts import pack
from overcast.deploy.graph import deploy_order
from overcast.platform.remote import Control
from overcast.spec import Stack, load_stack


def load_all(dirs: list[Path], stage: str) -> list[Stack]:
    """Load every stack (raises SpecError with all problems of the first bad one) in deploy order."""
    stacks = {}
    for d in dirs:
        stack = load_stack(d, stage=stage)
        stacks[stack.spec.stack] = stack
    order = deploy_order({name: [i.stack for i in s.imports] for name, s in stacks.items()})
    return [stacks[name] for name in order]


def request_for(stack: Stack, sha: str, *, force: bool, allow_replace: bool) -> dict:
    return {"stage": stack.stage, "spec": stack.spec.model_dump(mode="json"),
            "imports": sorted({(i.stack, i.output) for i in stack.imports}), "code": {"sha256": sha},
            "force": force, "allowReplace": allow_replace}


def plan_one(control: Control, stack: Stack, *, force: bool, allow_replace: bool) -> tuple[dict, dict]:
    """Upload the stack's code if the platform lacks it; (request, plan answer)."""
    sha, data = pack(stack.root)
    control.upload_code(sha, data)
    req = request_for(stack, sha, force=force, allow_replace=allow_replace)
    return req, control.call("POST", "/v1/plan", json=req)


def deploy_all(control: Control, stacks: list[Stack], *, force: bool, allow_replace: bool,
               confirm: Callable[[dict], bool], echo: Callable[[str], None], color: bool) -> list[dict]:
    """Plan, confirm and apply each stack in order; stops at the first refusal or failure (raised)."""
    results = []
    for stack in stacks:
        req, answer = plan_one(control, stack, force=force, allow_replace=allow_replace)
        plan = answer["plan"]
        echo(answer["text"] if color else answer["plain"])
        if not plan["ok"]:
            results.append({"stack": stack.spec.stack, "refused": plan["refusals"]})
            return results
        if not plan["changed"]:
            results.append({"stack": stack.spec.stack, "applied": False})
            continue
        if not confirm(plan):
            results.append({"stack": stack.spec.stack, "applied": False, "declined": True})
            return results
        req["expectRevision"] = answer["expectRevision"]
        with _progress(color, f"applying {stack.stage}.{stack.spec.stack}: installing dependencies, starting the "
                              "new functions on every node, switching traffic"):
            result = control.call("POST", "/v1/deploy", json=req)
        echo(f"deployed {stack.stage}.{stack.spec.stack} revision {result.get('revision')}"
             + "".join(f"\n  then redeployed {r['stack']} (revision {r['revision']})"
                       for r in result.get("redeployed") or []))
        results.append({"stack": stack.spec.stack, **result})
    return results


def _progress(show: bool, text: str):
    """A spinner on the terminal while the platform works (nothing when output is not a terminal)."""
    if not show:
        return contextlib.nullcontext()
    from rich.console import Console
    return Console(stderr=True).status(text)
