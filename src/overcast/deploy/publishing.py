"""What a deploy writes besides the state document: versions, the stack's access key; and removal."""

from __future__ import annotations

from nats.aio.client import Client

from overcast.compat import keys
from overcast.deploy import messaging, state, tables, things, versions
from overcast.deploy.errors import DeployRefused
from overcast.deploy.planner import plan_remove
from overcast.deploy.resources import StoredStack
from overcast.errors import OvercastError


async def credentials_for(nc: Client, current: dict | None, new_state: dict) -> dict:
    """The stack's access key (issued at its first deploy, kept afterwards)."""
    if current and current.get("credentials"):
        return current["credentials"]
    key = await keys.issue(nc, f"{new_state['stage']}.{new_state['stack']}")
    return {"accessKeyId": key.access_key_id, "secretAccessKey": key.secret_access_key}


def published(new_state: dict, current: dict | None) -> list[str]:
    """Functions whose newest version is new in ``new_state`` (to be published)."""
    before = (current or {}).get("versions") or {}
    return [fn for fn, v in new_state["versions"].items() if before.get(fn) != v]


async def publish_versions(nc: Client, new_state: dict, functions: list[str]) -> None:
    for fn in functions:
        await versions.publish(nc, new_state["stage"], new_state["stack"], fn, new_state["versions"][fn], {
            "function": fn, "version": new_state["versions"][fn], "code": new_state["code"],
            "spec": new_state["spec"]["functions"][fn], "publishedAt": new_state["deployedAt"],
            "revision": new_state["revision"],
        })


async def remove(nc: Client, stage: str, stack: str, delete_data: bool, storage=None) -> dict:
    current, _ = await state.read(nc, stage, stack)
    if current is None:
        raise OvercastError(f"stack {stack!r} is not deployed in stage {stage!r}")
    deployed = {name: StoredStack.from_json(doc) for (s, name), doc in (await state.read_all(nc, stage)).items()
                if s == stage and name != stack}
    plan = plan_remove(current=StoredStack.from_json(current), deployed=deployed, delete_data=delete_data)
    if not plan.ok:
        raise DeployRefused("remove refused:\n  " + "\n  ".join(plan.refusals), plan=plan.to_json())
    done = []
    if storage is not None:
        done = await tables.apply_actions(storage, plan.actions, {}, current.get("resources") or {},
                                          f"{stage}.{stack}")
    done += await messaging.apply_actions(nc, plan.actions, {}, current.get("resources") or {}, f"{stage}.{stack}")
    done += await things.apply_actions(nc, plan.actions, {}, current.get("resources") or {}, f"{stage}.{stack}")
    await state.delete(nc, stage, stack)
    return {"plan": plan.to_json(), "removed": True, "tables": done}
