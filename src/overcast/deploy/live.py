"""``overcast dev``'s deploys: the stack's live directory as its code.

Dev mode plans with the same planner and writes the same state documents as
``overcast deploy``, with ``code: {"path": DIR}`` instead of an uploaded
archive: the runtime then runs the files in place and sees each edit at the
next request. Code that changes under the runtime's feet publishes no
immutable versions: functions run as ``$LATEST``, as an unpublished Lambda
function does.
"""

from __future__ import annotations

import time
import uuid

from nats.aio.client import Client

from overcast.deploy import messaging, state, tables, things
from overcast.deploy.applier import route_conflicts
from overcast.deploy.planner import Plan, plan_deploy
from overcast.deploy.resources import StoredStack, resolve_imports, resources_of
from overcast.errors import OvercastError
from overcast.spec import Stack, substitute_imports

LIVE_CODE = "live"


class LiveRefused(OvercastError):
    code = "dev.refused"


def live_state(stack: Stack, plan: Plan, resources: dict, spec_model, key=None) -> dict:
    return {
        "stack": stack.spec.stack, "stage": stack.stage, "revision": plan.base_revision + 1,
        "deployedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "deployId": uuid.uuid4().hex,
        "source": "dev", "code": {"path": str(stack.root)}, "spec": spec_model.model_dump(mode="json"),
        "template": stack.spec.model_dump(mode="json"), "outputs": dict(plan.outputs),
        "resources": {rid: r.to_json() for rid, r in sorted(resources.items())},
        "imports": [{"stack": s, "output": o, "value": v} for (s, o), v in sorted(plan.import_values.items())],
        "versions": {},
        **({"credentials": {"accessKeyId": key.access_key_id, "secretAccessKey": key.secret_access_key}}
           if key is not None else {}),
    }


async def publish_live(nc: Client, stack: Stack, key=None, storage=None) -> tuple[int, Plan]:
    """Plan the dev stack against the stage and write it if it changed: (KV revision serving it, plan).

    Raises LiveRefused with the planner's refusals (unresolved imports, the export rule, route conflicts).
    """
    previous, kv_revision = await state.read(nc, stack.stage, stack.spec.stack)
    deployed = {name: StoredStack.from_json(doc) for (_, name), doc in
                (await state.read_all(nc, stack.stage)).items() if name != stack.spec.stack}
    imports = sorted({(i.stack, i.output) for i in stack.imports})
    values, _ = resolve_imports(imports, stack=stack.spec.stack, stage=stack.stage, deployed=deployed)
    spec_model = substitute_imports(stack.spec, values) if len(values) == len(imports) else stack.spec
    resources = resources_of(spec_model, LIVE_CODE, stack.stage)
    plan = plan_deploy(stack=stack.spec.stack, stage=stack.stage,
                       current=StoredStack.from_json(previous) if previous else None, desired=resources,
                       desired_outputs=dict(spec_model.outputs), imports=imports, deployed=deployed)
    plan.refusals += route_conflicts(stack.spec.stack, resources, deployed)
    owner = f"{stack.stage}.{stack.spec.stack}"
    if storage is not None:
        plan.refusals += await tables.check_owners(storage, resources, owner)
    elif any(r.kind == tables.TABLE.name for r in resources.values()):
        plan.refusals.append("the stack declares tables but no table storage is configured")
    plan.refusals += await messaging.check_owners(nc, resources, owner)
    plan.refusals += await things.check_owners(nc, resources, owner)
    if not plan.ok:
        raise LiveRefused("; ".join(plan.refusals))
    if storage is not None:
        await tables.apply_actions(storage, plan.actions, resources, (previous or {}).get("resources") or {}, owner)
    await messaging.apply_actions(nc, plan.actions, resources, (previous or {}).get("resources") or {}, owner)
    await things.apply_actions(nc, plan.actions, resources, (previous or {}).get("resources") or {}, owner)
    fresh = live_state(stack, plan, resources, spec_model, key)
    same = previous is not None and all(previous.get(k) == fresh.get(k) for k in ("code", "credentials"))
    if same and not plan.changed:
        return kv_revision, plan
    return await state.write(nc, fresh, expect=kv_revision), plan
