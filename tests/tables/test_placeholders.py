"""ExpressionAttributeNames / ExpressionAttributeValues: defined, valid and all used."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.expressions import (
    apply_update,
    check_unused,
    evaluate_condition,
    key_condition,
    parse_condition,
    parse_update,
    projection_paths,
)
from tests.tables.avs import SS, N, S

ITEM = {"pk": S("a"), "n": N("1")}


def _message(call) -> str:
    with pytest.raises(ValidationException) as info:
        call()
    return info.value.message


def test_undefined_name_placeholder():
    message = _message(lambda: evaluate_condition("#n = :v", ITEM, {"#x": "n"}, {":v": N("1")}))
    assert message == (
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; "
        "attribute name: #n"
    )
    assert (
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
        "attribute name: #b" in _message(lambda: apply_update(ITEM, "SET a.#b = :v", None, {":v": N("1")}))
    )
    assert (
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined"
        in _message(lambda: projection_paths("#p"))
    )


def test_undefined_value_placeholder():
    message = _message(lambda: evaluate_condition("n = :v", ITEM, None, {":w": N("1")}, check_unused=False))
    assert message == (
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :v"
    )
    assert "attribute value: :z" in _message(lambda: apply_update(ITEM, "SET n = :z", None, None))
    assert (
        "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined"
        in _message(lambda: key_condition("pk = :p", None, None, "pk"))
    )


def test_unused_values_and_names_are_rejected():
    assert _message(lambda: evaluate_condition("n = :v", ITEM, None, {":v": N("1"), ":x": N("2")})) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"
    )
    assert _message(lambda: evaluate_condition("n = :v", ITEM, {"#a": "a", "#b": "b"}, {":v": N("1")})) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
    )
    assert "unused in expressions: keys: {:b}" in _message(
        lambda: apply_update(ITEM, "SET n = :a", None, {":a": N("1"), ":b": N("2")})
    )
    assert "unused in expressions: keys: {#z}" in _message(lambda: projection_paths("pk", {"#z": "z"}))


def test_unused_check_across_several_expressions():
    update = parse_update("SET n = n + :one")
    condition = parse_condition("n < :max")
    names, values = None, {":one": N("1"), ":max": N("10")}
    # each expression alone leaves one value unused...
    with pytest.raises(ValidationException, match="keys: {:max}"):
        apply_update(ITEM, "SET n = n + :one", names, values)
    # ...together they use both
    check_unused(names, values, update, condition)
    new, _, _ = apply_update(ITEM, "SET n = n + :one", names, values, check_unused=False)
    assert evaluate_condition("n < :max", ITEM, names, values, check_unused=False)
    assert new["n"] == N("2")
    with pytest.raises(ValidationException, match="keys: {:max}"):
        check_unused(names, values, update)


def test_placeholder_maps_are_validated():
    assert _message(lambda: evaluate_condition("n = :v", ITEM, {}, {":v": N("1")})) == (
        "ExpressionAttributeNames must not be empty"
    )
    assert _message(lambda: evaluate_condition("attribute_exists(n)", ITEM, None, {})) == (
        "ExpressionAttributeValues must not be empty"
    )
    assert _message(lambda: evaluate_condition("n = :v", ITEM, {"n": "n"}, {":v": N("1")})) == (
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "n"'
    )
    assert _message(lambda: evaluate_condition("n = :v", ITEM, None, {"v": N("1")})) == (
        'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'
    )
    assert _message(lambda: evaluate_condition("n = :v", ITEM, None, {":v": SS()})) == (
        "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
        "An string set  may not be empty for key :v"
    )
    assert "contains invalid value: Attempting to store more than 38 significant digits" in _message(
        lambda: evaluate_condition("n = :v", ITEM, None, {":v": N("1" * 39)})
    )
    assert "Empty attribute name for key #n" in _message(
        lambda: evaluate_condition("#n = :v", ITEM, {"#n": ""}, {":v": N("1")})
    )


def test_one_placeholder_used_many_times_counts_as_used():
    assert evaluate_condition("#n = :v OR #n < :v OR pk = :v", ITEM, {"#n": "n"}, {":v": N("1")})
