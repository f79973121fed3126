"""Evaluation of condition and filter expressions.

A parsed condition is compiled once per request (placeholders bound, literal
operands type-checked) into a closure ``item -> bool``; evaluating it per item
is then cheap (a Scan filter runs it for every item read).

Semantics, as DynamoDB's: a missing attribute makes every comparison false
except ``<>``; comparing values of different types is false (``<>`` true), not
an error; ``< <= > >=`` and BETWEEN order only S, N and B; ``size`` gives the
length of S (characters) and B (bytes) and the element count of sets, L and M,
and no value for other types.
"""

from __future__ import annotations

from collections.abc import Callable

from overcast.tables.comparison import ORDERED_TYPES, compare, decode_binary, equals, set_contains, type_of
from overcast.tables.expressions.bind import Binder
from overcast.tables.expressions.nodes import And, Between, Call, Compare, In, Not, Or, Path, Value
from overcast.tables.expressions.paths import get_path

Operand = Callable[[dict], "dict | None"]
Predicate = Callable[[dict], bool]

ATTRIBUTE_TYPES = ("B", "NULL", "SS", "BOOL", "L", "BS", "N", "NS", "S", "M")


def format_value(av: dict) -> str:
    ((tag, raw),) = av.items()
    return f"AttributeValue: {{{tag}:{raw}}}"


def operand_type_error(binder: Binder, function: str, tag: str):
    return binder.invalid(
        f"Incorrect operand type for operator or function; operator or function: {function}, operand type: {tag}"
    )


def size_of(av: dict | None) -> dict | None:
    if av is None:
        return None
    ((tag, raw),) = av.items()
    if tag == "B":
        return {"N": str(len(decode_binary(raw)))}
    if tag in ("S", "SS", "NS", "BS", "L", "M"):
        return {"N": str(len(raw))}
    return None


def compare_values(op: str, a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return op == "<>"
    if op == "=":
        return equals(a, b)
    if op == "<>":
        return not equals(a, b)
    tag = type_of(a)
    if tag != type_of(b) or tag not in ORDERED_TYPES:
        return False
    c = compare(a, b)
    if op == "<":
        return c < 0
    if op == "<=":
        return c <= 0
    if op == ">":
        return c > 0
    return c >= 0


def _between(x: dict | None, low: dict | None, high: dict | None) -> bool:
    if x is None or low is None or high is None:
        return False
    tag = type_of(x)
    if tag not in ORDERED_TYPES or type_of(low) != tag or type_of(high) != tag:
        return False
    return compare(low, x) <= 0 <= compare(high, x)


def check_between_bounds(binder: Binder, low, high) -> None:
    """DynamoDB rejects literal bounds of different types or with low > high."""
    if not (isinstance(low, Value) and isinstance(high, Value)):
        return
    lo, hi = binder.value(low), binder.value(high)
    shown = f"lower bound operand: {format_value(lo)}, upper bound operand: {format_value(hi)}"
    if type_of(lo) != type_of(hi):
        raise binder.invalid(f"The BETWEEN operator requires same data type for lower and upper bounds; {shown}")
    if type_of(lo) in ORDERED_TYPES and compare(lo, hi) > 0:
        raise binder.invalid(
            f"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {shown}"
        )


def _check_ordered_literal(binder: Binder, op: str, node) -> None:
    if isinstance(node, Value):
        tag = type_of(binder.value(node))
        if tag not in ORDERED_TYPES:
            raise operand_type_error(binder, op, tag)


def compile_operand(node, binder: Binder) -> Operand:
    if isinstance(node, Path):
        parts = binder.path(node)
        return lambda item: get_path(item, parts)
    if isinstance(node, Value):
        av = binder.value(node)
        return lambda item: av
    if isinstance(node, Call) and node.name == "size":
        parts = binder.path(node.args[0])
        return lambda item: size_of(get_path(item, parts))
    raise binder.invalid(f"The function is not allowed to be used this way in an expression; function: {node.name}")


def value_begins_with(av: dict | None, prefix: dict | None) -> bool:
    if av is None or prefix is None:
        return False
    tag, ptag = type_of(av), type_of(prefix)
    if tag != ptag:
        return False
    if tag == "S":
        return av["S"].startswith(prefix["S"])
    if tag == "B":
        return decode_binary(av["B"]).startswith(decode_binary(prefix["B"]))
    return False


def value_contains(av: dict | None, x: dict | None) -> bool:
    if av is None or x is None:
        return False
    tag, xtag = type_of(av), type_of(x)
    if tag == "S":
        return xtag == "S" and x["S"] in av["S"]
    if tag == "B":
        return xtag == "B" and decode_binary(x["B"]) in decode_binary(av["B"])
    if tag in ("SS", "NS", "BS"):
        return set_contains(av, x)
    if tag == "L":
        return any(equals(element, x) for element in av["L"])
    return False


def _compile_function(node: Call, binder: Binder) -> Predicate:
    name = node.name
    parts = binder.path(node.args[0])
    if name == "attribute_exists":
        return lambda item: get_path(item, parts) is not None
    if name == "attribute_not_exists":
        return lambda item: get_path(item, parts) is None
    second = node.args[1]
    if name == "attribute_type":
        if isinstance(second, Value):
            av = binder.value(second)
            if type_of(av) != "S":
                raise operand_type_error(binder, name, type_of(av))
            if av["S"] not in ATTRIBUTE_TYPES:
                raise binder.invalid(
                    f"Invalid attribute type name found; type: {av['S']}, valid types: {{{','.join(ATTRIBUTE_TYPES)}}}"
                )
        wanted = compile_operand(second, binder)

        def attribute_type(item: dict) -> bool:
            av, tag = get_path(item, parts), wanted(item)
            return av is not None and tag is not None and tag.get("S") == type_of(av)

        return attribute_type
    if name == "begins_with" and isinstance(second, Value):
        tag = type_of(binder.value(second))
        if tag not in ("S", "B"):
            raise operand_type_error(binder, name, tag)
    other = compile_operand(second, binder)
    test = value_begins_with if name == "begins_with" else value_contains
    return lambda item: test(get_path(item, parts), other(item))


def compile_condition(node, binder: Binder) -> Predicate:
    """A closure evaluating condition ``node`` against an item (placeholders bound via ``binder``)."""
    if isinstance(node, And):
        left, right = compile_condition(node.left, binder), compile_condition(node.right, binder)
        return lambda item: left(item) and right(item)
    if isinstance(node, Or):
        left, right = compile_condition(node.left, binder), compile_condition(node.right, binder)
        return lambda item: left(item) or right(item)
    if isinstance(node, Not):
        inner = compile_condition(node.operand, binder)
        return lambda item: not inner(item)
    if isinstance(node, Compare):
        op = node.op
        if op not in ("=", "<>"):
            _check_ordered_literal(binder, op, node.left)
            _check_ordered_literal(binder, op, node.right)
        left, right = compile_operand(node.left, binder), compile_operand(node.right, binder)
        return lambda item: compare_values(op, left(item), right(item))
    if isinstance(node, Between):
        for bound in (node.operand, node.low, node.high):
            _check_ordered_literal(binder, "BETWEEN", bound)
        check_between_bounds(binder, node.low, node.high)
        x, low, high = (compile_operand(n, binder) for n in (node.operand, node.low, node.high))
        return lambda item: _between(x(item), low(item), high(item))
    if isinstance(node, In):
        x = compile_operand(node.operand, binder)
        options = [compile_operand(o, binder) for o in node.options]

        def in_(item: dict) -> bool:
            value = x(item)
            if value is None:
                return False
            return any((o := option(item)) is not None and equals(value, o) for option in options)

        return in_
    if isinstance(node, Call):
        return _compile_function(node, binder)
    raise TypeError(f"not a condition node: {node!r}")
