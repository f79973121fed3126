"""Operands of update actions: SET right-hand sides and the literal type checks of ADD/DELETE.

Right-hand sides are compiled once per request into closures reading the old
item. A literal (``:value``) of the wrong type is "Invalid UpdateExpression:
Incorrect operand type ..."; a value of the wrong type read from the item is
"An operand in the update expression has an incorrect data type".
"""

from __future__ import annotations

from collections.abc import Callable

from overcast.tables import numbers
from overcast.tables.comparison import type_of
from overcast.tables.errors import ValidationException
from overcast.tables.expressions.bind import Binder
from overcast.tables.expressions.nodes import Action, Arith, Call, Path, Value
from overcast.tables.expressions.paths import get_path
from overcast.tables.values import normalize_value

MISSING_OPERAND = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
SET_TYPES = ("SS", "NS", "BS")
LONG_TYPE_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "M": "MAP",
    "L": "LIST",
}


def _literal_type(binder: Binder, node, function: str, allowed: tuple) -> None:
    if isinstance(node, Value):
        tag = type_of(binder.value(node))
        if tag not in allowed:
            raise binder.invalid(
                "Incorrect operand type for operator or function; "
                f"operator or function: {function}, operand type: {tag}"
            )


def compile_value(node, binder: Binder) -> Callable[[dict], dict]:
    """A closure computing a SET right-hand side from the old item."""
    if isinstance(node, Path):
        parts = binder.path(node)

        def read(item: dict) -> dict:
            av = get_path(item, parts)
            if av is None:
                raise ValidationException(MISSING_OPERAND)
            return av

        return read
    if isinstance(node, Value):
        av = normalize_value(binder.value(node))
        return lambda item: av
    if isinstance(node, Arith):
        for side in (node.left, node.right):
            _literal_type(binder, side, node.op, ("N",))
        left, right = compile_value(node.left, binder), compile_value(node.right, binder)
        op = numbers.add if node.op == "+" else numbers.subtract

        def arith(item: dict) -> dict:
            a, b = left(item), right(item)
            if "N" not in a or "N" not in b:
                raise ValidationException(WRONG_TYPE)
            return {"N": op(a["N"], b["N"])}

        return arith
    if isinstance(node, Call) and node.name == "if_not_exists":
        parts = binder.path(node.args[0])
        fallback = compile_value(node.args[1], binder)
        return lambda item: get_path(item, parts) or fallback(item)
    if isinstance(node, Call) and node.name == "list_append":
        for side in node.args:
            _literal_type(binder, side, "list_append", ("L",))
        first, second = (compile_value(arg, binder) for arg in node.args)

        def list_append(item: dict) -> dict:
            a, b = first(item), second(item)
            if "L" not in a or "L" not in b:
                raise ValidationException(WRONG_TYPE)
            return {"L": a["L"] + b["L"]}

        return list_append
    raise TypeError(f"not an update operand: {node!r}")


def check_action_value(binder: Binder, action: Action, allowed: tuple) -> dict:
    """The bound, normalized value of an ADD/DELETE action; its type must be in ``allowed``."""
    tag = type_of(binder.value(action.value))
    if tag not in allowed:
        name = LONG_TYPE_NAMES.get(tag, tag)
        raise binder.invalid(
            f"Incorrect operand type for operator or function; operator: {action.clause}, operand type: {name}, "
            f"typeSet: ALLOWED_FOR_{action.clause}_OPERAND"
        )
    return normalize_value(binder.value(action.value))
