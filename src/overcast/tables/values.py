"""Attribute values in DynamoDB's wire JSON: validation and normalization.

An attribute value ("AV") is a one-key dict: ``{"S": "x"}``, ``{"N": "12.5"}``,
``{"B": "<base64>"}``, ``{"BOOL": true}``, ``{"NULL": true}``, ``{"M": {...}}``,
``{"L": [...]}``, ``{"SS": [...]}``, ``{"NS": [...]}``, ``{"BS": [...]}``.
An item is ``dict[str, AV]``. Everything in ``overcast.tables`` works on this
form; numbers stay strings and are only turned into ``Decimal`` to compute.

This module re-exports the siblings' public functions so callers have one
import: numbers (``to_decimal``, ``normalize_number``), order (``compare``,
``sort_key_bytes``, ``equals``) and sizes (``item_size``).
"""

from __future__ import annotations

import base64
import binascii

from overcast.tables.comparison import compare, equals, sort_key_bytes, type_of
from overcast.tables.errors import ValidationException
from overcast.tables.numbers import format_decimal, normalize_number, to_decimal
from overcast.tables.sizes import check_item_size, item_size, value_size

__all__ = [
    "TYPES",
    "check_item_size",
    "compare",
    "copy_value",
    "equals",
    "item_size",
    "normalize_item",
    "number",
    "normalize_number",
    "normalize_value",
    "sort_key_bytes",
    "to_decimal",
    "type_of",
    "validate",
    "validate_item",
    "value_size",
]

TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
MAX_NESTING = 32
INVALID = "One or more parameter values were invalid: "
_EMPTY_SET = {
    "SS": INVALID + "An string set  may not be empty",
    "NS": INVALID + "An number set  may not be empty",
    "BS": INVALID + "Binary sets should not be empty",
}


def _fail(message: str) -> None:
    raise ValidationException(message)


def _check_utf8(text: str) -> None:
    # JSON may carry lone surrogates (a "\ud800" escape): no UTF-8 form, so no size and no order.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        _fail(INVALID + "String contains characters that cannot be encoded as UTF-8")


def _check_binary(raw: object) -> bytes:
    if not isinstance(raw, str):
        _fail(INVALID + "Binary value must be a base64-encoded string")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        _fail(INVALID + f"Invalid base64 value: {raw[:32]}")


def _check_set(tag: str, raw: object) -> None:
    if not isinstance(raw, list):
        _fail(INVALID + f"Value for {tag} must be a list")
    if not raw:
        _fail(_EMPTY_SET[tag])
    if tag == "SS":
        if not all(isinstance(m, str) for m in raw):
            _fail(INVALID + "String set members must be strings")
        for member in raw:
            _check_utf8(member)
        keys: list = list(raw)
    elif tag == "NS":
        keys = [to_decimal(m) for m in raw]
    else:
        keys = [_check_binary(m) for m in raw]
    if len(set(keys)) != len(keys):
        _fail(INVALID + f"Input collection [{', '.join(map(str, raw))}] contains duplicates.")


def validate(av: object, _depth: int = 0) -> None:
    """Raise ValidationException unless ``av`` is a valid attribute value.

    Checks: exactly one known type tag; S is a string (empty allowed, as for
    any non-key attribute since 2020); N parses and fits 38 digits and the
    1E-130..<1E+126 range; B is base64; BOOL a boolean; NULL is ``true``; sets
    are non-empty, typed and free of duplicates (NS by numeric value); M keys
    are strings; M/L nest at most 32 levels.
    """
    if not isinstance(av, dict) or not av:
        _fail("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    if len(av) > 1:
        _fail(
            "Supplied AttributeValue has more than one datatypes set, "
            "must contain exactly one of the supported datatypes"
        )
    ((tag, raw),) = av.items()
    if tag == "S":
        if not isinstance(raw, str):
            _fail(INVALID + "Value for S must be a string")
        _check_utf8(raw)
    elif tag == "N":
        to_decimal(raw)
    elif tag == "B":
        _check_binary(raw)
    elif tag == "BOOL":
        if not isinstance(raw, bool):
            _fail(INVALID + "Value for BOOL must be a boolean")
    elif tag == "NULL":
        if raw is not True:
            _fail(INVALID + "Null attribute value types must have the value of true")
    elif tag in ("SS", "NS", "BS"):
        _check_set(tag, raw)
    elif tag in ("M", "L"):
        if _depth >= MAX_NESTING:
            _fail("Nesting Levels have exceeded supported limits")
        if tag == "M":
            if not isinstance(raw, dict):
                _fail(INVALID + "Value for M must be a map")
            for key, value in raw.items():
                if not isinstance(key, str):
                    _fail(INVALID + "Map keys must be strings")
                validate(value, _depth + 1)
        else:
            if not isinstance(raw, list):
                _fail(INVALID + "Value for L must be a list")
            for value in raw:
                validate(value, _depth + 1)
    else:
        _fail(f"Supplied AttributeValue has an unsupported datatype: {tag}")


def validate_item(item: object) -> None:
    """Raise ValidationException unless ``item`` maps non-empty names to valid values."""
    if not isinstance(item, dict):
        _fail(INVALID + "Item must be a map of attribute names to attribute values")
    for name, av in item.items():
        if not isinstance(name, str) or not name:
            _fail(INVALID + "An attribute name may not be empty")
        _check_utf8(name)
        validate(av)


def normalize_value(av: dict) -> dict:
    """A copy of a valid ``av`` with every number in DynamoDB's returned form."""
    ((tag, raw),) = av.items()
    if tag == "N":
        return {"N": normalize_number(raw)}
    if tag == "NS":
        return {"NS": [normalize_number(m) for m in raw]}
    if tag == "M":
        return {"M": {k: normalize_value(v) for k, v in raw.items()}}
    if tag == "L":
        return {"L": [normalize_value(v) for v in raw]}
    if tag in ("SS", "BS"):
        return {tag: list(raw)}
    return {tag: raw}


def normalize_item(item: dict) -> dict:
    """A copy of a valid item with every number normalized ("1.50" -> "1.5")."""
    return {name: normalize_value(av) for name, av in item.items()}


def copy_value(av: dict) -> dict:
    """A deep copy of an attribute value (faster than ``copy.deepcopy``)."""
    ((tag, raw),) = av.items()
    if tag == "M":
        return {"M": {k: copy_value(v) for k, v in raw.items()}}
    if tag == "L":
        return {"L": [copy_value(v) for v in raw]}
    if tag in ("SS", "NS", "BS"):
        return {tag: list(raw)}
    return {tag: raw}


def number(value: object) -> dict:
    """An N attribute value from an int or Decimal (test and evaluator helper)."""
    return {"N": format_decimal(to_decimal(str(value)))}
