"""Validation and normalization of attribute values and items."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.values import copy_value, normalize_item, normalize_value, number, validate, validate_item
from tests.tables.avs import BOOL_TRUE, BS, NS, NULL, SS, B, L, M, N, S

INVALID = "One or more parameter values were invalid: "


@pytest.mark.parametrize(
    "av",
    [
        S("x"),
        S(""),
        S("é🙂"),
        N("12.5"),
        N("-1E-130"),
        B(b"\x00\xff"),
        B(b""),
        BOOL_TRUE,
        {"BOOL": False},
        NULL,
        M(),
        M(a=S("x"), b=L(N(1), M(c=NULL))),
        L(),
        SS("a", "b", ""),
        NS(1, 2.5, -3),
        BS(b"a", b"b"),
    ],
)
def test_valid_values(av):
    validate(av)


def _fails(av, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        validate(av)
    assert message in info.value.message, info.value.message


def test_value_must_have_exactly_one_type():
    _fails({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    _fails("x", "Supplied AttributeValue is empty")
    _fails({"S": "a", "N": "1"}, "Supplied AttributeValue has more than one datatypes set")
    _fails({"X": "a"}, "unsupported datatype: X")


def test_empty_sets_are_invalid():
    _fails({"SS": []}, INVALID + "An string set  may not be empty")
    _fails({"NS": []}, INVALID + "An number set  may not be empty")
    _fails({"BS": []}, INVALID + "Binary sets should not be empty")


def test_duplicate_set_members_are_invalid():
    _fails(SS("a", "b", "a"), INVALID + "Input collection [a, b, a] contains duplicates.")
    _fails(NS("1", "1.0"), "Input collection [1, 1.0] contains duplicates.")  # numerically equal
    _fails(BS(b"x", b"x"), "contains duplicates")


def test_set_members_must_have_the_set_type():
    _fails({"SS": ["a", 1]}, "String set members must be strings")
    _fails({"NS": ["1", "x"]}, "cannot be converted to a numeric value: x")
    _fails({"BS": ["!!!"]}, "Invalid base64")


def test_numbers_are_checked():
    _fails(N("1" * 39), "Attempting to store more than 38 significant digits in a Number")
    _fails(N("1E+126"), "Number overflow")
    _fails(N("1E-131"), "Number underflow")
    _fails(N("one"), "The parameter cannot be converted to a numeric value: one")
    _fails({"N": 1}, "cannot be converted to a numeric value")


def test_null_must_be_true_and_bool_a_boolean():
    _fails({"NULL": False}, INVALID + "Null attribute value types must have the value of true")
    _fails({"BOOL": "true"}, "BOOL must be a boolean")


def test_binary_must_be_base64():
    _fails({"B": "not base64!"}, "Invalid base64")
    _fails({"B": "abc"}, "Invalid base64")  # bad padding
    _fails({"B": 5}, "base64-encoded string")


def test_strings_and_containers_have_the_right_shape():
    _fails({"S": 5}, "Value for S must be a string")
    _fails({"M": []}, "Value for M must be a map")
    _fails({"L": {}}, "Value for L must be a list")
    _fails({"M": {1: S("x")}}, "Map keys must be strings")
    _fails(M(a=L(S("x"), {"NULL": False})), "Null attribute value types must have the value of true")


def test_strings_must_have_a_utf8_form():
    _fails(S("\ud800"), "cannot be encoded as UTF-8")
    _fails(SS("ok", "\udfff"), "cannot be encoded as UTF-8")
    with pytest.raises(ValidationException, match="cannot be encoded as UTF-8"):
        validate_item({"\ud800": S("x")})


def test_nesting_depth_is_limited_to_32_levels():
    av = S("leaf")
    for _ in range(32):
        av = L(av)
    validate(av)
    _fails(L(av), "Nesting Levels have exceeded supported limits")


def test_validate_item():
    validate_item({"pk": S("a"), "n": N(1), "m": M(x=SS("a"))})
    with pytest.raises(ValidationException, match="attribute name may not be empty"):
        validate_item({"": S("a")})
    with pytest.raises(ValidationException, match="contains duplicates"):
        validate_item({"pk": S("a"), "s": SS("a", "a")})
    with pytest.raises(ValidationException, match="Item must be a map"):
        validate_item([])


def test_normalize_value_and_item():
    assert normalize_value(N("1.50")) == N("1.5")
    assert normalize_value(NS("1e2", "-0")) == NS("100", "0")
    item = {"a": M(b=L(N("0010"), S("x"))), "c": SS("z")}
    assert normalize_item(item) == {"a": M(b=L(N("10"), S("x"))), "c": SS("z")}
    assert item["a"]["M"]["b"]["L"][0] == N("0010")  # the input is not modified


def test_copy_value_is_deep_and_number_helper():
    original = M(a=L(SS("x")))
    copied = copy_value(original)
    copied["M"]["a"]["L"][0]["SS"].append("y")
    assert original == M(a=L(SS("x")))
    assert number(15) == N("15")
    assert number("2.50") == N("2.5")
