"""Apply deploy plans on the platform: check, switch, confirm — or leave the old revision serving.

A deploy goes:
1. plan against the stored state of the stage (pure planner);
2. pre-deploy check: every live runtime process starts each function of the
   new revision in a trial environment (imports, module-level code) — a
   failure stops the deploy here, before any traffic moved;
3. write the new state (optimistic: only if nobody deployed meanwhile);
4. wait until every live gateway and runtime serves it; if they do not in
   time, write the previous state back (automatic rollback) and say why.
"""

from __future__ import annotations

import time
import uuid

from nats.aio.client import Client

from overcast.deploy import artifacts, messaging, state, tables, things
from overcast.deploy.errors import BadRequest, DeployFailed, DeployRefused
from overcast.deploy.planner import CREATE, UPDATE, Plan, plan_deploy
from overcast.deploy.precheck import precheck
from overcast.deploy.publishing import credentials_for, publish_versions, published
from overcast.deploy.resources import Resource, StoredStack, resolve_imports, resources_of
from overcast.deploy.switch import SwitchFailed, switch
from overcast.deploy.versions import LIVE
from overcast.errors import OvercastError
from overcast.spec import StackSpec, substitute_imports


def _deployed(states: dict[tuple[str, str], dict], stage: str, but: str) -> dict[str, StoredStack]:
    return {stack: StoredStack.from_json(doc) for (s, stack), doc in states.items() if s == stage and stack != but}


async def plan_request(nc: Client, req: dict) -> tuple[Plan, dict | None, int, dict]:
    """(plan, current state, its KV revision, new state) for a deploy request."""
    try:
        template = StackSpec.model_validate(req["spec"])
        stage, code = req["stage"], req["code"]["sha256"]
        imports = [tuple(i) for i in req.get("imports") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest(f"malformed deploy request: {exc}") from None
    stack = template.stack
    current, kv_revision = await state.read(nc, stage, stack)
    deployed = _deployed(await state.read_all(nc, stage), stage, stack)
    values, _ = resolve_imports(imports, stack=stack, stage=stage, deployed=deployed)
    spec = substitute_imports(template, values) if len(values) == len(set(imports)) else template
    desired = resources_of(spec, code, stage)
    plan = plan_deploy(stack=stack, stage=stage, current=StoredStack.from_json(current) if current else None,
                       desired=desired, desired_outputs=dict(spec.outputs), imports=imports, deployed=deployed,
                       allow_replace=bool(req.get("allowReplace")), force=bool(req.get("force")))
    plan.refusals += route_conflicts(stack, desired, deployed)
    new_state = _new_state(plan, current, spec, template, desired, code, req.get("source", "deploy"))
    return plan, current, kv_revision, new_state


def route_conflicts(stack: str, desired: dict, deployed: dict[str, StoredStack]) -> list[str]:
    """A route key is served by one stack per stage: refuse taking one another stack serves."""
    out = []
    for rid in sorted(r for r in desired if r.startswith("route:")):
        for other, stored in sorted(deployed.items()):
            if rid in stored.resources:
                out.append(f"{rid.split(':', 1)[1]} is already served by stack '{other}' in this stage")
    return out


def _new_state(plan: Plan, current: dict | None, spec: StackSpec, template: StackSpec, desired: dict,
               code: str, source: str) -> dict:
    """The next state document; functions whose code or configuration changed get a new version,
    and their ``live`` alias follows it."""
    versions = dict((current or {}).get("versions") or {})
    for action in plan.actions:
        if action.kind == "function" and action.action in (CREATE, UPDATE):
            name = action.id.split(":", 1)[1]
            versions[name] = versions.get(name, 0) + 1
    versions = {name: versions[name] for name in spec.functions}
    old_aliases = (current or {}).get("aliases") or {}
    aliases = {name: {**old_aliases.get(name, {}), LIVE: versions[name]} for name in spec.functions}
    return {
        "stack": plan.stack, "stage": plan.stage, "revision": plan.base_revision + 1,
        "deployedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "deployId": uuid.uuid4().hex,
        "source": source, "code": {"sha256": code}, "spec": spec.model_dump(mode="json"),
        "template": template.model_dump(mode="json"),
        "resources": {rid: r.to_json() for rid, r in sorted(desired.items())},
        "outputs": dict(plan.outputs),
        "imports": [{"stack": s, "output": o, "value": v} for (s, o), v in sorted(plan.import_values.items())],
        "versions": versions, "aliases": aliases,
    }


async def apply(nc: Client, req: dict, storage=None) -> dict:
    """Plan and apply one deploy request; returns the plan and what happened.

    ``storage`` is the platform's table storage (None when tables are not enabled).
    """
    plan, current, kv_revision, new_state = await plan_request(nc, req)
    desired = {rid: Resource.from_json(rid, r) for rid, r in new_state["resources"].items()}
    owner = f"{plan.stage}.{plan.stack}"
    if any(r.kind == tables.TABLE.name for r in desired.values()):
        if storage is None:
            plan.refusals.append("the stack declares tables but this platform has no table storage "
                                 "(start it with --tables URL)")
        else:
            plan.refusals += await tables.check_owners(storage, desired, owner)
    plan.refusals += await messaging.check_owners(nc, desired, owner)
    plan.refusals += await things.check_owners(nc, desired, owner)
    if not plan.ok:
        raise DeployRefused("deploy refused:\n  " + "\n  ".join(plan.refusals), plan=plan.to_json())
    expect = req.get("expectRevision")
    if expect is not None and int(expect) != kv_revision:
        raise DeployRefused(f"stack {plan.stage}.{plan.stack} changed since the plan was made "
                            f"(revision {kv_revision}, plan for {expect}); plan again", plan=plan.to_json())
    if not plan.changed and current is not None and current.get("code") == new_state["code"]:
        return {"plan": plan.to_json(), "applied": False, "revision": current.get("revision")}
    if not await artifacts.exists(nc, new_state["code"]["sha256"]):
        raise BadRequest("the code archive was not uploaded (PUT /v1/code/SHA first)")
    new_state["credentials"] = await credentials_for(nc, current, new_state)
    failures = await precheck(nc, new_state)
    if failures:
        raise DeployFailed("deploy failed before any traffic moved; the previous revision keeps serving:\n  "
                           + "\n  ".join(failures), plan=plan.to_json())
    await publish_versions(nc, new_state, published(new_state, current))
    done = []
    if storage is not None:
        done = await tables.apply_actions(storage, plan.actions, desired, (current or {}).get("resources") or {},
                                          owner)
    done += await messaging.apply_actions(nc, plan.actions, desired, (current or {}).get("resources") or {}, owner)
    done += await things.apply_actions(nc, plan.actions, desired, (current or {}).get("resources") or {}, owner)
    try:
        written = await switch(nc, current, new_state, kv_revision)
    except SwitchFailed as exc:
        raise DeployFailed(f"rolled back to the previous revision: {exc.reason}", plan=plan.to_json()) from None
    redeployed = []
    for importer in plan.redeploy:  # --force: importers pick up the changed exports
        redeployed.append(await redeploy(nc, plan.stage, importer, storage))
    return {"plan": plan.to_json(), "applied": True, "revision": new_state["revision"], "kvRevision": written,
            "redeployed": redeployed, "tables": done}


def request_of(doc: dict, source: str) -> dict:
    """A deploy request that deploys a stored document's stack again (same code, same template)."""
    if "sha256" not in doc["code"]:
        raise BadRequest(f"stack {doc['stage']}.{doc['stack']} runs from a live directory (overcast dev); "
                         "deploy it from there")
    return {"stage": doc["stage"], "spec": doc.get("template") or doc["spec"], "code": doc["code"],
            "imports": [[i["stack"], i["output"]] for i in doc.get("imports", [])], "source": source}


async def redeploy(nc: Client, stage: str, stack: str, storage=None) -> dict:
    doc, _ = await state.read(nc, stage, stack)
    if doc is None:
        raise OvercastError(f"stack {stack!r} is not deployed in stage {stage!r}")
    result = await apply(nc, request_of(doc, "redeploy"), storage)
    return {"stack": stack, "revision": result.get("revision"), "applied": result.get("applied")}


async def rollback(nc: Client, stage: str, stack: str, to: int | None, storage=None) -> dict:
    """Deploy an earlier revision's document again (as a new revision)."""
    entries = [(kv, doc) for kv, doc in await state.history(nc, stage, stack)
               if doc is not None and doc.get("phase") != "staged"]
    current, kv_revision = await state.read(nc, stage, stack)
    if current is None or not entries:
        raise OvercastError(f"stack {stack!r} is not deployed in stage {stage!r}")
    older = [doc for _, doc in entries if doc.get("revision", 0) < current.get("revision", 0)]
    if to is not None:
        older = [doc for _, doc in entries if doc.get("revision") == to]
    if not older:
        raise BadRequest(f"no revision {to if to is not None else 'before ' + str(current.get('revision'))} "
                         f"of {stage}.{stack} in the history")
    target = older[-1]
    result = await apply(nc, request_of(target, "rollback"), storage)
    result["rolledBackTo"] = target.get("revision")
    return result

