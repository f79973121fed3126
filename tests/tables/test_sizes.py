"""Item sizes as DynamoDB counts them."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.sizes import MAX_ITEM_SIZE, check_item_size, item_size, value_size
from tests.tables.avs import BOOL_TRUE, BS, NS, NULL, SS, B, L, M, N, S


@pytest.mark.parametrize(
    "av, size",
    [
        (S(""), 0),
        (S("abc"), 3),
        (S("é"), 2),  # UTF-8 bytes, not characters
        (S("🙂"), 4),
        (N("0"), 1),
        (N("1"), 2),
        (N("12"), 2),
        (N("123"), 3),
        (N("1000"), 2),  # trailing zeros trimmed: one significant digit
        (N("0.001"), 2),  # leading zeros trimmed
        (N("-1.5"), 2),
        (N("1" * 38), 20),
        (B(b""), 0),
        (B(b"\x00\x01\x02\x03\x04"), 5),  # raw bytes, not base64 length
        (BOOL_TRUE, 1),
        (NULL, 1),
        (SS("ab", "c"), 3),
        (NS("1", "22", "333"), 2 + 2 + 3),
        (BS(b"xy", b"z"), 3),
        (L(), 3),
        (M(), 3),
        (L(S("a"), N("1")), 3 + (1 + 1) + (1 + 2)),
        (M(k=S("v")), 3 + 1 + 1 + 1),
        (M(outer=M(inner=NULL)), 3 + 1 + 5 + (3 + 1 + 5 + 1)),
    ],
)
def test_value_sizes(av, size):
    assert value_size(av) == size


def test_item_size_adds_attribute_name_lengths():
    assert item_size({}) == 0
    assert item_size({"a": S("abc")}) == 1 + 3
    assert item_size({"é": N("5")}) == 2 + 2
    assert item_size({"pk": S("user#1"), "n": N("42"), "l": L(BOOL_TRUE)}) == (2 + 6) + (1 + 2) + (1 + 3 + 1 + 1)


def test_400kb_limit():
    name = "pk"
    fits = {name: S("x" * (MAX_ITEM_SIZE - len(name)))}
    assert check_item_size(fits) == MAX_ITEM_SIZE
    too_big = {name: S("x" * (MAX_ITEM_SIZE - len(name) + 1))}
    with pytest.raises(ValidationException, match="Item size has exceeded the maximum allowed size"):
        check_item_size(too_big)
