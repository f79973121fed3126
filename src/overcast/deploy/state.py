"""A stack as desired state: the JSON document kept in the stacks bucket.

``{"stack": name, "root": absolute code directory, "spec": the validated stack
file}``. Every process rebuilds what it serves from this document alone.
"""

from __future__ import annotations

import orjson
from nats.aio.client import Client

from overcast.engine import subjects
from overcast.spec import Stack


def state_of(stack: Stack) -> dict:
    return {"stack": stack.spec.stack, "root": str(stack.root), "spec": stack.spec.model_dump(mode="json")}


async def publish(nc: Client, state: dict) -> int:
    """Write a stack's desired state; returns the new revision (or the current one if unchanged)."""
    kv = await nc.jetstream().key_value(subjects.STACKS_BUCKET)
    data = orjson.dumps(state, option=orjson.OPT_SORT_KEYS)
    key = subjects.stack_key(state["stack"])
    try:
        current = await kv.get(key)
    except Exception:  # KeyNotFoundError and friends: nothing stored yet
        current = None
    if current is not None and current.value == data:
        return current.revision
    return await kv.put(key, data)


async def read_all(nc: Client) -> dict[str, dict]:
    """Every deployed stack's state by name."""
    kv = await nc.jetstream().key_value(subjects.STACKS_BUCKET)
    try:
        keys = await kv.keys()
    except Exception:  # NoKeysError when the bucket is empty
        return {}
    out = {}
    for key in keys:
        entry = await kv.get(key)
        out[key] = orjson.loads(entry.value)
    return out


async def watch(nc: Client, apply) -> None:
    """Call ``await apply(stack, state or None, revision)`` for every stored stack, then for each change.

    Runs until cancelled. ``state`` is None when the stack was removed.
    """
    kv = await nc.jetstream().key_value(subjects.STACKS_BUCKET)
    watcher = await kv.watchall()
    async for entry in watcher:
        if entry is None:  # end of the initial values
            continue
        state = None if entry.operation in ("DEL", "PURGE") else orjson.loads(entry.value)
        await apply(entry.key, state, entry.revision)
