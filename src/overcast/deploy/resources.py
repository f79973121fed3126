"""What a stack is made of (pure): resources, their kinds, the stored stack; prop diffs are in ``diffs``.

Resource ids are ``KIND:NAME`` (``function:hello``, ``route:GET /hello/{name}``,
``output:Url``). Each kind is registered once with whether it holds data
(``stateful``) and which props cannot change in place (``replace_on``); the
planner knows nothing else about kinds, so issues that add tables, streams or
queues only call ``register_kind``. Stateful resources carry a
``deletionPolicy`` prop: ``retain`` (the default) or ``delete``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# re-exported (``X as X``): the planner and tests import the diff names from here
from overcast.deploy.diffs import ABSENT as ABSENT
from overcast.deploy.diffs import Change as Change
from overcast.deploy.diffs import diff_props as diff_props

RETAIN = "retain"
DELETE = "delete"
DELETION_POLICIES = (RETAIN, DELETE)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    stateful: bool = False
    replace_on: frozenset[str] = frozenset()


FUNCTION = Kind("function")
ROUTE = Kind("route")
OUTPUT = Kind("output")

KINDS: dict[str, Kind] = {k.name: k for k in (FUNCTION, ROUTE, OUTPUT)}
"""Every known kind by name; add to it only through ``register_kind``."""

KIND_ORDER = (FUNCTION.name, ROUTE.name, OUTPUT.name)
"""Kinds listed first in plans, in this order; other kinds follow by name."""


def register_kind(kind: Kind) -> Kind:
    """Make ``kind`` known to the planner. Registering an identical kind again is a no-op;
    a different kind under a taken name raises ``ValueError``."""
    if ":" in kind.name or not kind.name:
        raise ValueError(f"kind name {kind.name!r} must be non-empty and contain no ':'")
    known = KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"kind {kind.name!r} is already registered as {known}")
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> Kind | None:
    """The registered kind called ``name``, or None when this version does not know it."""
    return KINDS.get(name)


def kind_rank(name: str) -> int:
    return KIND_ORDER.index(name) if name in KIND_ORDER else len(KIND_ORDER)


def resource_id(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def split_id(rid: str) -> tuple[str, str]:
    """``"route:GET /a"`` → ``("route", "GET /a")``; kind names never contain ':'."""
    kind, _, name = rid.partition(":")
    return kind, name


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource: its id, kind name and JSON-able props."""

    id: str
    kind: str
    props: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return split_id(self.id)[1]

    def deletion_policy(self) -> str:
        """``retain`` or ``delete`` for stateful kinds (default ``retain``); always ``delete`` otherwise."""
        kind = kind_of(self.kind)
        if kind is None or not kind.stateful:
            return DELETE
        return self.props.get("deletionPolicy", RETAIN)

    def to_json(self) -> dict:
        return {"kind": self.kind, "props": self.props}

    @classmethod
    def from_json(cls, rid: str, data: Mapping) -> Resource:
        if not isinstance(data, Mapping) or not isinstance(data.get("kind"), str):
            raise ValueError(f"resource {rid!r}: expected {{'kind': str, 'props': object}}, got {data!r}")
        props = data.get("props", {})
        if not isinstance(props, Mapping):
            raise ValueError(f"resource {rid!r}: props must be an object, got {props!r}")
        return cls(rid, data["kind"], dict(props))


def resources_of(spec: Any, code: str, stage: str = "dev") -> dict[str, Resource]:
    """The resources a validated ``StackSpec`` declares; ``code`` is the content hash of its code.

    ``stage`` names the dead-letter queues the stack's event sources imply (``{stack}-{stage}-{function}-dlq``).
    """
    out: dict[str, Resource] = {}
    for name, fn in spec.functions.items():
        rid = resource_id(FUNCTION.name, name)
        out[rid] = Resource(rid, FUNCTION.name, {
            "handler": fn.handler,
            "memory": fn.memory,
            "timeout": fn.timeout,
            "environment": dict(fn.environment),
            "concurrency": fn.concurrency,
            "code": code,
        })
    for key, function in spec.route_keys():
        rid = resource_id(ROUTE.name, key.key)
        out[rid] = Resource(rid, ROUTE.name, {"function": function})
    for name, value in (getattr(spec, "outputs", None) or {}).items():
        rid = resource_id(OUTPUT.name, name)
        out[rid] = Resource(rid, OUTPUT.name, {"value": value})
    out.update(_tables.table_resources(spec))
    out.update(_messaging.messaging_resources(spec, stage))
    out.update(_things.thing_resources(spec))
    out.update(_realtime.rule_resources(spec))
    out.update(_realtime.websocket_resources(spec))
    out.update(_events.mapping_resources(spec))
    out.update(_events.schedule_resources(spec, stage))
    out.update(_events.async_resources(spec))
    return out


@dataclass(frozen=True, slots=True)
class Import:
    stack: str
    output: str
    value: str

    def to_json(self) -> dict:
        return {"stack": self.stack, "output": self.output, "value": self.value}


@dataclass(frozen=True)
class StoredStack:
    """Typed view of a deployed stack's stored document (only the keys the planner reads).

    ``revision`` is the stack's own counter (1 for the first deploy), not the KV sequence.
    """

    stack: str
    stage: str
    revision: int = 0
    resources: dict[str, Resource] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping) -> StoredStack:
        try:
            return cls(
                stack=data["stack"], stage=data["stage"], revision=int(data.get("revision", 0)),
                resources={rid: Resource.from_json(rid, r) for rid, r in data.get("resources", {}).items()},
                outputs=dict(data.get("outputs", {})),
                imports=[Import(i["stack"], i["output"], i["value"]) for i in data.get("imports", [])],
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed stored stack document: {exc!r}") from exc

    def to_json(self) -> dict:
        return {
            "stack": self.stack, "stage": self.stage, "revision": self.revision,
            "resources": {rid: self.resources[rid].to_json() for rid in sorted(self.resources)},
            "outputs": dict(sorted(self.outputs.items())),
            "imports": [i.to_json() for i in sorted(self.imports, key=lambda i: (i.stack, i.output))],
        }


def resolve_imports(imports: Iterable[tuple[str, str]], *, stack: str, stage: str,
                    deployed: Mapping[str, StoredStack]) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Values of ``(stack, output)`` imports from the deployed stacks, and refusals for those missing."""
    values: dict[tuple[str, str], str] = {}
    refusals: list[str] = []
    for source, output in dict.fromkeys((s, o) for s, o in imports):
        other = deployed.get(source)
        if source == stack:
            refusals.append(f"stack '{stack}' cannot import its own output '{output}'")
        elif other is None:
            refusals.append(f"stack '{source}' is not deployed in stage '{stage}'")
        elif output not in other.outputs:
            have = ", ".join(sorted(other.outputs)) or "none"
            refusals.append(f"stack '{source}' has no output '{output}' (it has: {have})")
        else:
            values[(source, output)] = other.outputs[output]
    return values, refusals


def importers_of(stack: str, deployed: Mapping[str, StoredStack]) -> dict[str, set[str]]:
    """Output name of ``stack`` → names of the other deployed stacks importing it."""
    out: dict[str, set[str]] = {}
    for name, other in deployed.items():
        if name == stack:
            continue
        for imp in other.imports:
            if imp.stack == stack:
                out.setdefault(imp.output, set()).add(name)
    return out


# The other kinds (tables, streams, queues, things, rules, WebSocket APIs, event sources) live in their own
# modules; importing them here registers them whenever resources are used.
from overcast.deploy import event_kinds as _events  # noqa: E402
from overcast.deploy import messaging as _messaging  # noqa: E402
from overcast.deploy import realtime_kinds as _realtime  # noqa: E402
from overcast.deploy import tables as _tables  # noqa: E402
from overcast.deploy import things as _things  # noqa: E402
