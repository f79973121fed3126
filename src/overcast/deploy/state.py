"""Desired state: one JSON document per stack and stage in the stacks bucket.

Key ``STAGE.STACK``; the bucket keeps each key's history, so every revision a
stack had can be shown and rolled back to. A document::

    {"stack", "stage", "revision": deploy count, "deployedAt", "deployId", "source",
     "code": {"sha256": archive hash} | {"path": live directory (overcast dev)},
     "spec": the stack file with every reference resolved,
     "resources": {id: {"kind", "props"}}, "outputs": {name: value},
     "imports": [{"stack", "output", "value"}], "versions": {function: version}}

Every process rebuilds what it serves from these documents alone.
"""

from __future__ import annotations

import orjson
from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError, NoKeysError

from overcast.engine import subjects
from overcast.engine.connect import live_keys


async def _kv(nc: Client):
    return await nc.jetstream().key_value(subjects.STACKS_BUCKET)


def encode(state: dict) -> bytes:
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS)


async def read(nc: Client, stage: str, stack: str) -> tuple[dict | None, int]:
    """(state, KV revision) of one stack; (None, 0) when it is not deployed."""
    kv = await _kv(nc)
    try:
        entry = await kv.get(subjects.stack_key(stage, stack))
    except KeyNotFoundError:
        return None, 0
    if entry.value is None or entry.operation in ("DEL", "PURGE"):
        return None, entry.revision or 0
    return orjson.loads(entry.value), entry.revision


async def write(nc: Client, state: dict, expect: int | None = None) -> int:
    """Store a stack's state; with ``expect`` (KV revision, 0 = absent) only if nobody wrote meanwhile."""
    kv = await _kv(nc)
    key = subjects.stack_key(state["stage"], state["stack"])
    data = encode(state)
    if expect is None:
        return await kv.put(key, data)
    if expect == 0:
        try:
            return await kv.create(key, data)
        except Exception:  # KeyWrongLastSequenceError: deleted-before keys need update()
            _, last = await read(nc, state["stage"], state["stack"])
            return await kv.update(key, data, last=last)
    return await kv.update(key, data, last=expect)


async def delete(nc: Client, stage: str, stack: str) -> None:
    kv = await _kv(nc)
    await kv.delete(subjects.stack_key(stage, stack))


async def read_all(nc: Client, stage: str | None = None) -> dict[tuple[str, str], dict]:
    """Every deployed stack's state by (stage, stack), optionally of one stage."""
    kv = await _kv(nc)
    keys = await live_keys(kv)
    out = {}
    for key in keys:
        key_stage, stack = subjects.split_stack_key(key)
        if stage is not None and key_stage != stage:
            continue
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:
            continue
        if entry.value:
            out[(key_stage, stack)] = orjson.loads(entry.value)
    return out


async def history(nc: Client, stage: str, stack: str) -> list[tuple[int, dict | None]]:
    """Every stored revision of a stack, oldest first: (KV revision, state or None if removed)."""
    kv = await _kv(nc)
    try:
        entries = await kv.history(subjects.stack_key(stage, stack))
    except (NoKeysError, KeyNotFoundError):
        return []
    return [(e.revision, orjson.loads(e.value) if e.value and e.operation not in ("DEL", "PURGE") else None)
            for e in entries]


async def watch(nc: Client, apply) -> None:
    """Call ``await apply(stage, stack, state or None, kv_revision)`` for every stored stack, then per change.

    Runs until cancelled. ``state`` is None when the stack was removed.
    """
    kv = await _kv(nc)
    watcher = await kv.watchall()
    async for entry in watcher:
        if entry is None:  # end of the initial values
            continue
        stage, stack = subjects.split_stack_key(entry.key)
        value = None if entry.operation in ("DEL", "PURGE") or not entry.value else orjson.loads(entry.value)
        await apply(stage, stack, value, entry.revision)
