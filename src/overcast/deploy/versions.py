"""Published function versions and the aliases that point at them (Lambda's model).

Each deploy that changes a function's code or configuration publishes a
version: an immutable record in the KV bucket ``overcast_versions`` (key
``STAGE.STACK.FUNCTION.N``) holding the function's resolved configuration
and its code hash. A stack's state maps each function's aliases to version
numbers; ``live`` follows every deploy and is what routes invoke; others
(``stable``, ...) move only when set. The runtime serves every version some
alias points at, plus ``$LATEST`` (the newest).
"""

from __future__ import annotations

import orjson
from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError

from overcast.engine.connect import bucket

VERSIONS_BUCKET = "overcast_versions"
LIVE = "live"
LATEST = "$LATEST"
LATEST_TOKEN = "latest"  # how $LATEST appears in subjects


def key(stage: str, stack: str, function: str, version: int) -> str:
    return f"{stage}.{stack}.{function}.{version}"


async def _kv(nc: Client):
    return await bucket(nc, VERSIONS_BUCKET, history=1)


async def publish(nc: Client, stage: str, stack: str, function: str, version: int, record: dict) -> None:
    kv = await _kv(nc)
    await kv.put(key(stage, stack, function, version), orjson.dumps(record, option=orjson.OPT_SORT_KEYS))


async def read(nc: Client, stage: str, stack: str, function: str, version: int) -> dict | None:
    kv = await _kv(nc)
    try:
        entry = await kv.get(key(stage, stack, function, version))
    except KeyNotFoundError:
        return None
    return orjson.loads(entry.value) if entry.value else None


def served(state: dict, function: str) -> set[int]:
    """Versions of ``function`` the platform serves: those aliases point at, and the newest."""
    out = set((state.get("aliases") or {}).get(function, {}).values())
    newest = (state.get("versions") or {}).get(function)
    if newest:
        out.add(newest)
    return {int(v) for v in out}


def resolve(state: dict, function: str, qualifier: str | None) -> str:
    """The subject token for invoking ``function`` with a qualifier (alias, number, ``$LATEST``, None=live)."""
    versions = state.get("versions") or {}
    if function not in versions:  # overcast dev: the live directory, unpublished
        if qualifier in (None, LIVE, LATEST, LATEST_TOKEN):
            return LATEST_TOKEN
        raise KeyError(f"{function} runs from a live directory (overcast dev): only $LATEST exists")
    if qualifier in (None, LIVE) or qualifier == LATEST:
        alias = (state.get("aliases") or {}).get(function, {})
        return str(alias.get(LIVE, versions[function])) if qualifier != LATEST else str(versions[function])
    if qualifier.isdigit():
        if int(qualifier) not in served(state, function):
            raise KeyError(f"version {qualifier} of {function} is not served (no alias points at it)")
        return qualifier
    alias = (state.get("aliases") or {}).get(function, {})
    if qualifier not in alias:
        raise KeyError(f"{function} has no alias {qualifier!r} (it has: {', '.join(sorted(alias)) or 'none'})")
    return str(alias[qualifier])
