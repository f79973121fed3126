"""Item sizes, counted the way DynamoDB documents them ("Item sizes and formats").

``item_size(item)`` is the sum, over attributes, of the UTF-8 length of the
attribute name plus ``value_size`` of its value, where ``value_size`` is:

=========  ==================================================================
S          UTF-8 byte length
N          ``ceil(significant digits / 2) + 1`` (leading and trailing zeros
           trimmed; DynamoDB documents "1 byte per two significant digits
           + 1 byte"; zero counts as 1)
B          raw (decoded) byte length
BOOL/NULL  1
SS/NS/BS   sum of the member sizes (each as the scalar type above)
L          3 + sum(1 + value_size(element))
M          3 + sum(1 + UTF-8 length of key + value_size(value))
=========  ==================================================================

The 400 KB item limit applies to this figure.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from overcast.tables.errors import ValidationException
from overcast.tables.numbers import significant_digits

MAX_ITEM_SIZE = 400 * 1024
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"


def number_size(text: str) -> int:
    digits = len(significant_digits(Decimal(text)))
    return (digits + 1) // 2 + 1


def _binary_size(text: str) -> int:
    return len(base64.b64decode(text))


def value_size(av: dict) -> int:
    """Size in bytes of one attribute value (without its name)."""
    ((tag, raw),) = av.items()
    if tag == "S":
        return len(raw.encode("utf-8"))
    if tag == "N":
        return number_size(raw)
    if tag == "B":
        return _binary_size(raw)
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "SS":
        return sum(len(m.encode("utf-8")) for m in raw)
    if tag == "NS":
        return sum(number_size(m) for m in raw)
    if tag == "BS":
        return sum(_binary_size(m) for m in raw)
    if tag == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if tag == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in raw.items())
    raise TypeError(f"unknown attribute type {tag}")


def item_size(item: dict) -> int:
    """Size in bytes of an item: names plus values, as DynamoDB counts it."""
    return sum(len(name.encode("utf-8")) + value_size(av) for name, av in item.items())


def check_item_size(item: dict, limit: int = MAX_ITEM_SIZE) -> int:
    """The item's size; ValidationException when it exceeds ``limit`` (400 KB)."""
    size = item_size(item)
    if size > limit:
        raise ValidationException(ITEM_TOO_LARGE, size=size, limit=limit)
    return size
