"""The deploy planner (pure): stored stacks + desired resources → a ``Plan``.

Refusals follow CloudFormation's export rule (an imported output may not
change or disappear) and protect data: a stateful resource is replaced only
with ``allow_replace`` and, when it leaves the stack, retained unless its
``deletionPolicy`` is ``delete``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from overcast.deploy.resources import (
    DELETE,
    Change,
    Import,
    Resource,
    StoredStack,
    diff_props,
    importers_of,
    kind_of,
    kind_rank,
    resolve_imports,
    split_id,
)

CREATE, UPDATE, REPLACE, NO_CHANGE, RETAIN = "create", "update", "replace", "no-change", "retain"
ACTIONS = (CREATE, UPDATE, REPLACE, DELETE, RETAIN, NO_CHANGE)


@dataclass(frozen=True, slots=True)
class Action:
    """What happens to one resource. ``replace_on`` names the props that force a replace."""

    id: str
    kind: str
    action: str
    changes: tuple[Change, ...] = ()
    data_loss: bool = False
    replace_on: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "action": self.action, "data_loss": self.data_loss,
                "changes": [c.to_json() for c in self.changes], "replace_on": list(self.replace_on)}


@dataclass
class Plan:
    stack: str
    stage: str
    base_revision: int
    actions: list[Action] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    redeploy: list[str] = field(default_factory=list)
    import_values: dict[tuple[str, str], str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    outputs_changed: bool = False
    imports_changed: bool = False
    operation: str = "deploy"  # or "remove"

    @property
    def changed(self) -> bool:
        return self.outputs_changed or self.imports_changed or any(a.action != NO_CHANGE for a in self.actions)

    @property
    def ok(self) -> bool:
        return not self.refusals

    def to_json(self) -> dict:
        return {
            "stack": self.stack, "stage": self.stage, "operation": self.operation,
            "base_revision": self.base_revision, "ok": self.ok, "changed": self.changed,
            "actions": [a.to_json() for a in self.actions],
            "refusals": list(self.refusals), "redeploy": list(self.redeploy),
            "import_values": [{"stack": s, "output": o, "value": v} for (s, o), v in sorted(self.import_values.items())],
            "outputs": dict(sorted(self.outputs.items())),
            "outputs_changed": self.outputs_changed, "imports_changed": self.imports_changed,
        }


def _stacks(names: Iterable[str]) -> str:
    names = sorted(names)
    return ("stack " if len(names) == 1 else "stacks ") + ", ".join(f"'{n}'" for n in names)


def _label(rid: str) -> str:
    kind, name = split_id(rid)
    return f"{kind} '{name}'"


def _depends_on(start: str, goal: str, deployed: Mapping[str, StoredStack]) -> bool:
    """Whether stack ``start`` imports, directly or through other stacks, from ``goal``."""
    todo, seen = [start], set()
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen and name in deployed:
            seen.add(name)
            todo += [i.stack for i in deployed[name].imports]
    return False


def _unknown_kinds(resources: Iterable[Resource]) -> list[str]:
    return [f"{_label(r.id)} has kind '{r.kind}', which this version of overcast does not know"
            for r in sorted(resources, key=lambda r: r.id) if kind_of(r.kind) is None]


def _removal(res: Resource, delete_data: bool = False) -> Action:
    if kind_of(res.kind).stateful:
        if delete_data or res.deletion_policy() == DELETE:
            return Action(res.id, res.kind, DELETE, data_loss=True)
        return Action(res.id, res.kind, RETAIN)
    return Action(res.id, res.kind, DELETE)


def _compare(old: Resource, new: Resource) -> Action:
    changes = tuple(diff_props(old.props, new.props))
    kind = kind_of(new.kind)
    forcing = tuple(sorted(p for p in kind.replace_on if any(c.field.split(".")[0] == p for c in changes)))
    if forcing:
        return Action(new.id, new.kind, REPLACE, changes, kind.stateful, forcing)
    return Action(new.id, new.kind, UPDATE if changes else NO_CHANGE, changes)


def plan_deploy(*, stack: str, stage: str, current: StoredStack | None, desired: dict[str, Resource],
                desired_outputs: dict[str, str], imports: list[tuple[str, str]],
                deployed: Mapping[str, StoredStack], allow_replace: bool = False, force: bool = False) -> Plan:
    """Plan deploying ``desired`` over ``current`` (None for a new stack) in ``stage``.

    ``deployed`` holds the other stacks of the stage (this stack's own entry is ignored).
    """
    old = current.resources if current else {}
    plan = Plan(stack, stage, current.revision if current else 0, outputs=dict(desired_outputs))
    unknown = _unknown_kinds([*desired.values(), *old.values()])
    plan.refusals += unknown
    plan.import_values, refused = resolve_imports(imports, stack=stack, stage=stage, deployed=deployed)
    plan.refusals += refused
    for source in sorted({s for s, _ in plan.import_values}):
        if _depends_on(source, stack, deployed):
            plan.refusals.append(f"importing from stack '{source}' would form a cycle: it depends on '{stack}'")

    current_outputs = current.outputs if current else {}
    plan.outputs_changed = current_outputs != plan.outputs
    stored_imports = {(i.stack, i.output): i.value for i in (current.imports if current else [])}
    plan.imports_changed = stored_imports != plan.import_values
    redeploy: set[str] = set()
    for output, importers in sorted(importers_of(stack, deployed).items()):
        if output not in current_outputs or current_outputs[output] == plan.outputs.get(output):
            continue
        redeploy |= importers
        if not force:
            what = (f"output '{output}' would be removed" if output not in plan.outputs else
                    f"output '{output}' would change ({current_outputs[output]!r} → {plan.outputs[output]!r})")
            verb = "imports" if len(importers) == 1 else "import"
            plan.refusals.append(f"{what} but {_stacks(importers)} of stage '{stage}' {verb} it; "
                                 "pass --force to redeploy them after this stack")
    plan.redeploy = sorted(redeploy) if force else []

    if unknown:
        return plan  # cannot classify what it does not know; the refusal says why
    for rid, res in desired.items():
        plan.actions.append(_compare(old[rid], res) if rid in old else Action(rid, res.kind, CREATE))
    plan.actions += [_removal(res) for rid, res in old.items() if rid not in desired]
    plan.actions.sort(key=lambda a: (kind_rank(a.kind), a.id))
    for action in plan.actions:
        if action.action == REPLACE and action.data_loss and not allow_replace:
            because = ", ".join(action.replace_on)
            plan.refusals.append(f"changing {because} would replace {_label(action.id)} and lose its data; "
                                 "pass --allow-replace")
    return plan


def plan_remove(*, current: StoredStack, deployed: Mapping[str, StoredStack], delete_data: bool) -> Plan:
    """Plan removing a deployed stack; refused while another stack imports any of its outputs."""
    plan = Plan(current.stack, current.stage, current.revision, operation="remove",
                outputs_changed=bool(current.outputs), imports_changed=bool(current.imports))
    unknown = _unknown_kinds(current.resources.values())
    plan.refusals += unknown
    by_importer: dict[str, list[str]] = {}
    for output, importers in sorted(importers_of(current.stack, deployed).items()):
        for importer in importers:
            by_importer.setdefault(importer, []).append(f"'{output}'")
    for importer, names in sorted(by_importer.items()):
        plan.refusals.append(f"stack '{importer}' imports output{'s' if len(names) > 1 else ''} {', '.join(names)} "
                             f"of stack '{current.stack}'; redeploy or remove '{importer}' without them first")
    if not unknown:
        removals = (_removal(r, delete_data) for r in current.resources.values())
        plan.actions = sorted(removals, key=lambda a: (kind_rank(a.kind), a.id))
    return plan


def stored_after(plan: Plan, desired: Mapping[str, Resource]) -> StoredStack:
    """What to store once a deploy ``plan`` is applied (revision ``base + 1``; retained resources are gone)."""
    if not plan.ok or plan.operation != "deploy":
        raise ValueError(f"cannot store the result of a refused or non-deploy plan for stack '{plan.stack}'")
    imports = [Import(s, o, v) for (s, o), v in sorted(plan.import_values.items())]
    resources = {rid: desired[rid] for rid in sorted(desired)}
    return StoredStack(plan.stack, plan.stage, plan.base_revision + 1, resources, dict(plan.outputs), imports)
