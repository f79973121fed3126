"""A plan for people (a coloured diff) and for machines (JSON) (pure).

Colour is plain ANSI SGR codes so the text prints the same through ``click.echo``,
a pipe or ``rich`` (``Text.from_ansi``); ``color=False`` gives the same lines
without them.
"""

from __future__ import annotations

import json

from overcast.deploy.planner import CREATE, DELETE, NO_CHANGE, REPLACE, RETAIN, UPDATE, Action, Plan
from overcast.deploy.resources import ABSENT

RESET = "\x1b[0m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
RED = "\x1b[31m"
DIM = "\x1b[2m"
BOLD = "\x1b[1m"

# action → (symbol, word, colour)
STYLE = {
    CREATE: ("+", "create", GREEN),
    UPDATE: ("~", "update", YELLOW),
    REPLACE: ("±", "replace", RED),
    DELETE: ("-", "delete", RED),
    RETAIN: ("⊖", "retain", YELLOW),
    NO_CHANGE: ("=", "no change", DIM),
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color and code else text


def format_value(value: object) -> str:
    """A prop value as it reads in a diff: JSON, ``(none)`` when absent."""
    if value is ABSENT:
        return "(none)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def _header(plan: Plan) -> str:
    where = f"stack {plan.stack} (stage {plan.stage})"
    if plan.operation == "remove":
        return f"{where} — remove revision {plan.base_revision}"
    new = " (new stack)" if plan.base_revision == 0 else ""
    return f"{where} — revision {plan.base_revision} → {plan.base_revision + 1}{new}"


def _action_lines(action: Action, width: int, color: bool) -> list[str]:
    symbol, word, code = STYLE[action.action]
    note = ""
    if action.data_loss:
        note = "(DATA LOSS)"
        code = RED
    elif action.action == RETAIN:
        note = "(leaves the stack, data kept)"
    if action.action == REPLACE and action.replace_on:
        note = f"{note} (changed: {', '.join(action.replace_on)})".strip()
    line = f"  {symbol} {action.id:<{width}}  {word:<9} {note}".rstrip()
    out = [_paint(line, code, color)]
    out += [f"      {c.field}: {format_value(c.old)} → {format_value(c.new)}" for c in action.changes]
    return out


def _summary(plan: Plan) -> str:
    counts = {a: sum(1 for x in plan.actions if x.action == a) for a in STYLE if a != NO_CHANGE}
    parts = [f"{n} to {a}" for a, n in counts.items() if n]
    if parts:
        return "plan: " + ", ".join(parts)
    return "plan: outputs or imports change only" if plan.changed else "no changes"


def render_plan(plan: Plan, color: bool, verbose: bool = False) -> str:
    """The plan as a readable diff; unchanged resources are listed only when ``verbose``."""
    lines = [_paint(_header(plan), BOLD, color)]
    shown = [a for a in plan.actions if verbose or a.action != NO_CHANGE]
    width = max((len(a.id) for a in shown), default=0)
    for action in shown:
        lines += _action_lines(action, width, color)
    for (stack, output), value in sorted(plan.import_values.items()):
        lines.append(f"  imports {stack}.{output} = {format_value(value)}")
    lines.append(_summary(plan))
    if plan.redeploy:
        lines.append(_paint(f"then redeploys: {', '.join(plan.redeploy)}", YELLOW, color))
    lines += [_paint(f"refused: {r}", RED, color) for r in plan.refusals]
    return "\n".join(lines) + "\n"


def render_json(plan: Plan) -> str:
    """``plan.to_json()`` as indented JSON with sorted keys (stable for diffs and scripts)."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
