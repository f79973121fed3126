"""Pointing a function's alias at a published version (a new stack revision, no new code).

Moving ``live`` back to an earlier version is the fastest rollback: the code
and configuration of that version are already published, nothing is
uploaded or installed again.
"""

from __future__ import annotations

import re
import time
import uuid

from nats.aio.client import Client

from overcast.deploy import state, versions
from overcast.deploy.errors import BadRequest
from overcast.deploy.switch import SwitchFailed, switch
from overcast.errors import OvercastError

ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$")


async def set_alias(nc: Client, stage: str, stack: str, function: str, alias: str, version: int) -> dict:
    if not ALIAS_NAME.match(alias) or alias == versions.LATEST:
        raise BadRequest(f"alias name {alias!r}: letters, digits, '-' and '_', not all digits ($LATEST is reserved)")
    doc, kv_revision = await state.read(nc, stage, stack)
    if doc is None:
        raise OvercastError(f"stack {stack!r} is not deployed in stage {stage!r}")
    if function not in (doc.get("versions") or {}):
        raise BadRequest(f"function {function!r} of {stage}.{stack} has no published versions "
                         "(it is not deployed, or runs from a live directory)")
    if await versions.read(nc, stage, stack, function, version) is None:
        raise BadRequest(f"version {version} of {function} was never published "
                         f"(newest: {doc['versions'][function]})")
    aliases = {fn: dict(a) for fn, a in (doc.get("aliases") or {}).items()}
    aliases.setdefault(function, {})[alias] = version
    fresh = dict(doc, aliases=aliases, revision=doc.get("revision", 0) + 1, source="alias",
                 deployedAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), deployId=uuid.uuid4().hex)
    try:
        await switch(nc, doc, fresh, kv_revision)
    except SwitchFailed as exc:
        raise OvercastError(f"alias not moved (previous revision restored): {exc.reason}") from None
    return {"function": function, "alias": alias, "version": version, "revision": fresh["revision"],
            "aliases": aliases[function]}
