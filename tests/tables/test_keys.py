"""KeyConditionExpression: what Query accepts, and DynamoDB's errors for the rest."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.expressions import KeyCondition, key_condition
from tests.tables.avs import B, N, S

V = {":h": S("user#1"), ":a": N("1"), ":b": N("5"), ":p": S("ord#")}


def kc(expr: str, values: dict | None = None, names: dict | None = None, **kw) -> KeyCondition:
    return key_condition(expr, names, values if values is not None else {":h": S("user#1")}, "pk", "sk", **kw)


def _message(expr: str, values: dict | None, names: dict | None = None, **kw) -> str:
    with pytest.raises(ValidationException) as info:
        key_condition(expr, names, values, "pk", "sk", **kw)
    return info.value.message


def test_hash_key_alone():
    cond = kc("pk = :h")
    assert cond == KeyCondition("pk", S("user#1"))
    assert cond.range_op is None and cond.range_values == ()


@pytest.mark.parametrize("op", ["=", "<", "<=", ">", ">="])
def test_sort_key_comparisons(op):
    cond = kc(f"pk = :h AND sk {op} :a", {":h": S("user#1"), ":a": N("1")})
    assert (cond.hash_value, cond.range_key, cond.range_op, cond.range_values) == (S("user#1"), "sk", op, (N("1"),))


def test_between_begins_with_order_parentheses_and_names():
    cond = kc("pk = :h AND sk BETWEEN :a AND :b", {":h": S("user#1"), ":a": N("1"), ":b": N("5")})
    assert cond.range_op == "BETWEEN" and cond.range_values == (N("1"), N("5"))
    cond = kc("begins_with(#s, :p) AND #k = :h", {":h": S("user#1"), ":p": S("ord#")}, {"#s": "sk", "#k": "pk"})
    assert (cond.range_op, cond.range_values, cond.hash_value) == ("begins_with", (S("ord#"),), S("user#1"))
    cond = kc("(pk = :h) AND (sk > :a)", {":h": S("user#1"), ":a": N("1")})
    assert cond.range_op == ">"
    cond = kc("pk = :h and begins_with(sk, :p)", {":h": S("user#1"), ":p": B(b"\x01")})
    assert cond.range_values == (B(b"\x01"),)


def test_missing_hash_key():
    assert _message("sk = :a", {":a": N("1")}) == "Query condition missed key schema element: pk"


def test_unsupported_operators():
    assert _message("pk = :h OR sk = :a", {":h": S("x"), ":a": N("1")}) == (
        "Invalid operator used in KeyConditionExpression: OR"
    )
    assert _message("pk = :h AND NOT sk = :a", {":h": S("x"), ":a": N("1")}) == (
        "Invalid operator used in KeyConditionExpression: NOT"
    )
    assert _message("pk = :h AND sk IN (:a)", {":h": S("x"), ":a": N("1")}) == (
        "Invalid operator used in KeyConditionExpression: IN"
    )
    assert _message("pk = :h AND sk <> :a", {":h": S("x"), ":a": N("1")}) == (
        "Invalid operator used in KeyConditionExpression: <>"
    )
    assert _message("pk = :h AND attribute_exists(sk)", {":h": S("x")}) == (
        "Invalid operator used in KeyConditionExpression: attribute_exists"
    )
    assert _message("pk = :h AND contains(sk, :a)", {":h": S("x"), ":a": S("1")}) == (
        "Invalid operator used in KeyConditionExpression: contains"
    )
    assert _message("pk = :h AND size(sk) > :a", {":h": S("x"), ":a": N("1")}) == (
        "Invalid operator used in KeyConditionExpression: size"
    )


def test_query_key_condition_not_supported():
    not_supported = "Query key condition not supported"
    assert _message("pk > :h", {":h": S("x")}) == not_supported  # hash key needs =
    assert _message("begins_with(pk, :h)", {":h": S("x")}) == not_supported
    assert _message("pk = :h AND color = :a", {":h": S("x"), ":a": N("1")}) == not_supported
    assert _message("pk = :h AND sk.x = :a", {":h": S("x"), ":a": N("1")}) == not_supported  # nested path
    assert _message(":h = pk", {":h": S("x")}) == not_supported  # the key goes on the left
    assert _message("pk = sk", None) == not_supported  # a value goes on the right


def test_one_condition_per_key():
    message = _message("pk = :h AND sk > :a AND sk < :b", {":h": S("x"), ":a": N("1"), ":b": N("5")})
    assert message == "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"
    assert "only contain one condition per key" in _message("pk = :h AND pk = :h", {":h": S("x")})


def test_between_bounds_and_begins_with_type():
    assert "The BETWEEN operator requires upper bound to be greater than or equal to lower bound" in _message(
        "pk = :h AND sk BETWEEN :b AND :a", {":h": S("x"), ":a": N("1"), ":b": N("5")}
    )
    assert _message("pk = :h AND begins_with(sk, :a)", {":h": S("x"), ":a": N("1")}) == (
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N"
    )


def test_schema_types_are_checked_when_given():
    types = {"pk": "S", "sk": "N"}
    assert kc("pk = :h AND sk > :a", {":h": S("x"), ":a": N("1")}, key_types=types).range_op == ">"
    assert _message("pk = :h AND sk > :a", {":h": S("x"), ":a": S("1")}, key_types=types) == (
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    )
    assert "does not match schema type" in _message("pk = :h", {":h": N("1")}, key_types=types)


def test_syntax_errors_name_key_condition_expression():
    assert _message("pk = ", {":h": S("x")}).startswith("Invalid KeyConditionExpression: Syntax error")


def test_unused_values_in_key_conditions():
    assert _message("pk = :h", {":h": S("x"), ":a": N("1")}) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a}"
    )


def test_key_condition_matches_items():
    item = {"pk": S("user#1"), "sk": S("ord#0042")}
    values = {":h": S("user#1"), ":p": S("ord#"), ":a": S("ord#0001"), ":b": S("ord#0100")}
    assert kc("pk = :h AND begins_with(sk, :p)", {k: values[k] for k in (":h", ":p")}).matches(item)
    assert kc("pk = :h AND sk BETWEEN :a AND :b", {k: values[k] for k in (":h", ":a", ":b")}).matches(item)
    assert not kc("pk = :h AND sk < :a", {k: values[k] for k in (":h", ":a")}).matches(item)
    assert kc("pk = :h AND sk >= :a", {k: values[k] for k in (":h", ":a")}).matches(item)
    assert not kc("pk = :h").matches({"pk": S("user#2"), "sk": S("x")})
    assert not kc("pk = :h AND sk = :a", {":h": S("user#1"), ":a": N("1")}).matches(item)  # type differs
    assert kc("pk = :h AND sk = :a", {":h": S("user#1"), ":a": N("1.0")}).matches({"pk": S("user#1"), "sk": N("1")})
