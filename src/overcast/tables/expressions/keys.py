"""KeyConditionExpression: the restricted condition a Query takes.

Allowed: ``pk = :v``, optionally ANDed with one condition on the sort key:
``= < <= > >=``, ``BETWEEN :a AND :b`` or ``begins_with(sk, :p)``; key on the
left, a value on the right; parentheses allowed. Anything else is a
ValidationException worded as DynamoDB words it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from overcast.tables.comparison import compare, equals, type_of
from overcast.tables.errors import ValidationException
from overcast.tables.expressions.bind import Binder
from overcast.tables.expressions.evaluator import check_between_bounds, operand_type_error, value_begins_with
from overcast.tables.expressions.nodes import And, Between, Call, Compare, In, Not, Or, Parsed, Path, Value

RANGE_OPERATORS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")
NOT_SUPPORTED = "Query key condition not supported"


@dataclass(frozen=True)
class KeyCondition:
    """A bound key condition: the partition key value and an optional sort key condition.

    ``range_op`` is None or one of ``= < <= > >= BETWEEN begins_with``;
    ``range_values`` holds one value (two for BETWEEN).
    """

    hash_key: str
    hash_value: dict
    range_key: str | None = None
    range_op: str | None = None
    range_values: tuple = ()

    def matches(self, item: dict) -> bool:
        """Whether ``item`` satisfies the condition (for backends that filter in Python)."""
        value = item.get(self.hash_key)
        if value is None or not equals(value, self.hash_value):
            return False
        if self.range_op is None:
            return True
        value = item.get(self.range_key)
        if value is None or type_of(value) != type_of(self.range_values[0]):
            return False
        if self.range_op == "begins_with":
            return value_begins_with(value, self.range_values[0])
        if self.range_op == "BETWEEN":
            return compare(self.range_values[0], value) <= 0 <= compare(self.range_values[1], value)
        c = compare(value, self.range_values[0])
        return {"=": c == 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[self.range_op]


def _conjuncts(node) -> list:
    if isinstance(node, And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    if isinstance(node, Or):
        raise _bad_operator("OR")
    if isinstance(node, Not):
        raise _bad_operator("NOT")
    if isinstance(node, In):
        raise _bad_operator("IN")
    return [node]


def _bad_operator(op: str) -> ValidationException:
    return ValidationException(f"Invalid operator used in KeyConditionExpression: {op}")


def _attribute(binder: Binder, node) -> str:
    if not isinstance(node, Path):
        if isinstance(node, Call):
            raise _bad_operator(node.name)
        raise ValidationException(NOT_SUPPORTED)
    parts = binder.path(node)
    if len(parts) != 1:
        raise ValidationException(NOT_SUPPORTED)
    return parts[0]


def _value(binder: Binder, node) -> dict:
    if not isinstance(node, Value):
        if isinstance(node, Call):
            raise _bad_operator(node.name)
        raise ValidationException(NOT_SUPPORTED)
    return binder.value(node)


def _condition(binder: Binder, node) -> tuple[str, str, tuple]:
    """(attribute, operator, values) of one conjunct."""
    if isinstance(node, Compare):
        if node.op == "<>":
            raise _bad_operator("<>")
        return _attribute(binder, node.left), node.op, (_value(binder, node.right),)
    if isinstance(node, Between):
        attribute = _attribute(binder, node.operand)
        values = (_value(binder, node.low), _value(binder, node.high))
        check_between_bounds(binder, node.low, node.high)
        return attribute, "BETWEEN", values
    if isinstance(node, Call):
        if node.name != "begins_with":
            raise _bad_operator(node.name)
        value = _value(binder, node.args[1])
        if type_of(value) not in ("S", "B"):
            raise operand_type_error(binder, "begins_with", type_of(value))
        return _attribute(binder, node.args[0]), "begins_with", (value,)
    raise ValidationException(NOT_SUPPORTED)


def bind_key_condition(
    parsed: Parsed,
    binder: Binder,
    hash_key: str,
    range_key: str | None = None,
    key_types: Mapping[str, str] | None = None,
) -> KeyCondition:
    """Check ``parsed`` against the key schema and bind its values.

    ``key_types`` (attribute name -> "S" | "N" | "B"), when given, makes a
    value of another type a ValidationException, as DynamoDB's schema check.
    """
    conditions: dict[str, tuple[str, tuple]] = {}
    for node in _conjuncts(parsed.root):
        attribute, op, values = _condition(binder, node)
        if attribute in conditions:
            raise binder.invalid("KeyConditionExpressions must only contain one condition per key")
        conditions[attribute] = (op, values)
    if hash_key not in conditions:
        raise ValidationException(f"Query condition missed key schema element: {hash_key}")
    if any(name not in (hash_key, range_key) for name in conditions):
        raise ValidationException(NOT_SUPPORTED)
    hash_op, (hash_value, *_) = conditions[hash_key]
    if hash_op != "=":
        raise ValidationException(NOT_SUPPORTED)
    for name, (_, values) in conditions.items():
        expected = (key_types or {}).get(name)
        if expected and any(type_of(v) != expected for v in values):
            raise ValidationException(
                "One or more parameter values were invalid: Condition parameter type does not match schema type"
            )
    if range_key in conditions:
        op, values = conditions[range_key]
        return KeyCondition(hash_key, hash_value, range_key, op, values)
    return KeyCondition(hash_key, hash_value)
