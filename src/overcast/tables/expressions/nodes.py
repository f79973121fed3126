"""The syntax tree of DynamoDB expressions (immutable, so parsed trees can be cached and shared).

Placeholders stay unresolved in the tree: a ``#name`` inside a path is a
:class:`NameRef`, a ``:value`` is a :class:`Value`. Binding them to a request's
ExpressionAttributeNames / ExpressionAttributeValues happens later
(:mod:`.bind`), once per request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NameRef:
    """``#placeholder`` used as one element of a document path."""

    ref: str


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: ``str`` (plain name), :class:`NameRef` or ``int`` (list index) parts."""

    parts: tuple

    def text(self) -> str:
        out = ""
        for part in self.parts:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                name = part.ref if isinstance(part, NameRef) else part
                out += f".{name}" if out else name
        return out


@dataclass(frozen=True, slots=True)
class Value:
    """``:placeholder``: a value from ExpressionAttributeValues."""

    ref: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: ``size(a)``, ``begins_with(a, :p)``, ``if_not_exists(a, :z)``..."""

    name: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Arith:
    """``left + right`` or ``left - right`` (UpdateExpression SET only)."""

    op: str
    left: object
    right: object


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # = <> < <= > >=
    left: object
    right: object


@dataclass(frozen=True, slots=True)
class Between:
    operand: object
    low: object
    high: object


@dataclass(frozen=True, slots=True)
class In:
    operand: object
    options: tuple


@dataclass(frozen=True, slots=True)
class And:
    left: object
    right: object


@dataclass(frozen=True, slots=True)
class Or:
    left: object
    right: object


@dataclass(frozen=True, slots=True)
class Not:
    operand: object


@dataclass(frozen=True, slots=True)
class Action:
    """One update action. ``clause`` is SET, REMOVE, ADD or DELETE; ``value`` is None for REMOVE."""

    clause: str
    path: Path
    value: object = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed expression with the placeholders it uses.

    ``root`` is a condition node (condition, filter and key condition
    expressions), a tuple of :class:`Path` (projection) or a tuple of
    :class:`Action` in written order (update).
    """

    kind: str
    text: str
    root: object
    names: frozenset
    values: frozenset
