"""The gateway's route table, built from the deployed stacks' state documents (pure).

Every stage's routes are mounted under ``/STAGE``; the default stage's are
also mounted as declared. A route key already taken in the table is skipped
with a warning (the applier refuses such deploys; this only guards against
documents written by hand).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from overcast.deploy import versions
from overcast.engine import subjects
from overcast.gateway.events import api_id_for
from overcast.gateway.routing import RouteTable
from overcast.spec.routes import RouteKey, parse_route_key

log = logging.getLogger("overcast.gateway")


@dataclass(frozen=True, slots=True)
class Target:
    stage: str
    stack: str
    function: str
    subject: str
    timeout: int
    api_id: str
    route_key: str  # as declared (the event's routeKey), before any stage prefix


def build_table(states: dict[tuple[str, str], dict], default_stage: str) -> RouteTable:
    """One table for every deployed stack; targets carry what the gateway needs per request."""
    entries, seen = [], {}
    for (stage, stack), stack_state in sorted(states.items()):
        api_id = api_id_for(f"{stage}.{stack}")
        for fname, fn in stack_state["spec"]["functions"].items():
            version = versions.resolve(stack_state, fname, versions.LIVE)
            target_of = functools.partial(Target, stage, stack, fname, subjects.invoke(stage, stack, fname, version),
                                          fn["timeout"], api_id)
            for text in fn.get("routes") or []:
                declared = parse_route_key(text)
                for key in _mounted(declared, stage, stage == default_stage):
                    if key.key in seen:
                        log.warning("route %s of %s.%s is already served by %s; ignored", key.key, stack,
                                    fname, seen[key.key])
                        continue
                    seen[key.key] = f"{stage}.{stack}.{fname}"
                    entries.append((key, target_of(declared.key)))
    return RouteTable(entries)


def _mounted(declared: RouteKey, stage: str, at_root: bool) -> list[RouteKey]:
    """Where a declared route is served: under ``/STAGE``, and as declared for the default stage."""
    if declared.is_default:
        under = parse_route_key(f"ANY /{stage}/{{proxy+}}")
    else:
        path = declared.key.split(" ", 1)[1]
        under = parse_route_key(f"{declared.method} /{stage}{'' if path == '/' else path}")
    return [under, declared] if at_root else [under]
