"""The syntax tree of a parsed statement (immutable dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass


class Node:
    """Base of every expression node."""


@dataclass(frozen=True)
class Literal(Node):
    value: object  # None (Null), bool, int, Decimal, str


@dataclass(frozen=True)
class Star(Node):
    """``*``: the whole payload (a SELECT item, or a function argument as in ``encode(*, 'base64')``)."""


@dataclass(frozen=True)
class Field(Node):
    """A top-level key of the payload document."""

    name: str


@dataclass(frozen=True)
class Member(Node):
    """``base.name``."""

    base: Node
    name: str


@dataclass(frozen=True)
class Index(Node):
    """``base[index]``: an array element (0-based) or an object key."""

    base: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    name: str  # lower case
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+", "NOT"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / % = <> < <= > >= AND OR
    left: Node
    right: Node


@dataclass(frozen=True)
class In(Node):
    value: Node
    options: tuple[Node, ...] | None  # ``IN (a, b)``
    array: Node | None  # ``IN expr`` (an array value)
    negated: bool = False


@dataclass(frozen=True)
class IsTest(Node):
    value: Node
    what: str  # "NULL" | "UNDEFINED"
    negated: bool = False


@dataclass(frozen=True)
class Case(Node):
    subject: Node | None  # None for the searched form ``CASE WHEN cond THEN ...``
    whens: tuple[tuple[Node, Node], ...]
    default: Node | None


@dataclass(frozen=True)
class ArrayLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class ObjectLit(Node):
    items: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Item:
    """One SELECT item: ``*`` or an expression with its output key path (alias, or derived)."""

    expr: Node
    key: tuple[str, ...] | None  # None for ``*``


def walk(node: Node):
    """Every node of the expression ``node``, depth first."""
    yield node
    for child in _children(node):
        if child is not None:
            yield from walk(child)


def _children(node: Node) -> tuple:
    if isinstance(node, (Member, Unary)):
        return (node.base,) if isinstance(node, Member) else (node.operand,)
    if isinstance(node, Index):
        return (node.base, node.index)
    if isinstance(node, (Call, ArrayLit)):
        return node.args if isinstance(node, Call) else node.items
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.value, *(node.options or ()), node.array)
    if isinstance(node, IsTest):
        return (node.value,)
    if isinstance(node, Case):
        return (node.subject, *(n for pair in node.whens for n in pair), node.default)
    if isinstance(node, ObjectLit):
        return tuple(value for _, value in node.items)
    return ()
