"""``overcast dev``'s deploys: the stack's live directory as its code.

Dev mode writes the same state documents as ``overcast deploy``, with
``code: {"path": DIR}`` instead of an uploaded archive: the runtime then runs
the files in place and sees each edit at the next request. Code that changes
under the runtime's feet publishes no immutable versions: functions run as
``$LATEST``, as an unpublished Lambda function does.
"""

from __future__ import annotations

import time
import uuid

from nats.aio.client import Client

from overcast.deploy import state
from overcast.deploy.resources import StoredStack, resolve_imports, resources_of
from overcast.errors import OvercastError
from overcast.spec import Stack, substitute_imports


def live_state(stack: Stack, previous: dict | None, import_values: dict | None = None) -> dict:
    values = import_values or {}
    spec_model = substitute_imports(stack.spec, values) if values else stack.spec
    spec = spec_model.model_dump(mode="json")
    return {
        "stack": stack.spec.stack, "stage": stack.stage, "revision": ((previous or {}).get("revision") or 0) + 1,
        "deployedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "deployId": uuid.uuid4().hex,
        "source": "dev", "code": {"path": str(stack.root)}, "spec": spec,
        "template": stack.spec.model_dump(mode="json"), "outputs": dict(spec_model.outputs),
        "resources": {rid: r.to_json() for rid, r in sorted(resources_of(spec_model, "live").items())},
        "imports": [{"stack": s, "output": o, "value": v} for (s, o), v in sorted(values.items())],
        "versions": {},
    }


async def publish_live(nc: Client, stack: Stack) -> int:
    """Write the dev stack's state if it changed; returns the KV revision serving it."""
    previous, kv_revision = await state.read(nc, stack.stage, stack.spec.stack)
    values = {}
    if stack.imports:
        deployed = {name: StoredStack.from_json(doc) for (_, name), doc in
                    (await state.read_all(nc, stack.stage)).items() if name != stack.spec.stack}
        values, refused = resolve_imports([(i.stack, i.output) for i in stack.imports], stack=stack.spec.stack,
                                          stage=stack.stage, deployed=deployed)
        if refused:
            raise OvercastError("cannot resolve the stack's imports: " + "; ".join(refused))
    fresh = live_state(stack, previous, values)
    if previous is not None and _same(previous, fresh):
        return kv_revision
    return await state.write(nc, fresh, expect=kv_revision)


def _same(a: dict, b: dict) -> bool:
    keys = ("spec", "code", "outputs", "imports")
    return all(a.get(k) == b.get(k) for k in keys)
