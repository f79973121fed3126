"""Ordering (S by UTF-8 bytes, N numerically, B unsigned) and equality of attribute values."""

from __future__ import annotations

import random

import pytest

from overcast.tables.comparison import compare, equals, set_contains, sort_key_bytes, type_of
from tests.tables.avs import BOOL_TRUE, BS, NS, NULL, SS, B, L, M, N, S


def test_strings_order_by_utf8_bytes():
    assert compare(S("Z"), S("a")) == -1
    assert compare(S("a"), S("é")) == -1
    assert compare(S("é"), S("a")) == 1
    assert compare(S("abc"), S("abc")) == 0
    assert compare(S(""), S("a")) == -1
    assert compare(S("ab"), S("abc")) == -1
    # UTF-8 order, not UTF-16: an astral character sorts after U+FFFF
    assert compare(S("\uffff"), S("\U0001f600")) == -1
    assert sort_key_bytes(S("\uffff")) < sort_key_bytes(S("\U0001f600"))


def test_random_strings_order_like_their_utf8_bytes():
    rng = random.Random(3)
    alphabet = ["a", "Z", "0", "é", "ß", "中", "\U0001f600", "\uffff", "\x00", " "]
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(400)]
    by_compare = sorted(words, key=lambda w: sort_key_bytes(S(w)))
    by_bytes = sorted(words, key=lambda w: w.encode("utf-8"))
    assert by_compare == by_bytes
    for a, b in zip(words, reversed(words)):
        assert compare(S(a), S(b)) == (a.encode() > b.encode()) - (a.encode() < b.encode())


def test_numbers_order_numerically():
    assert compare(N("-10"), N("-9")) == -1
    assert compare(N("10"), N("9")) == 1
    assert compare(N("1.0"), N("1")) == 0
    assert compare(N("-0"), N("0")) == 0
    assert compare(N("1E-130"), N("0")) == 1


def test_binary_orders_as_unsigned_bytes():
    assert compare(B(b"\x7f"), B(b"\x80")) == -1  # unsigned: 0x80 is not negative
    assert compare(B(b"\xff"), B(b"\xff\x00")) == -1
    assert compare(B(b"ab"), B(b"ab")) == 0
    assert sort_key_bytes(B(b"\x00\x01")) == b"\x00\x01"


def test_ordering_other_types_or_mixed_types_raises_type_error():
    for a, b in [
        (S("1"), N("1")),
        (N("1"), B(b"1")),
        (BOOL_TRUE, BOOL_TRUE),
        (NULL, NULL),
        (SS("a"), SS("a")),
        (L(), L()),
        (M(), M()),
    ]:
        with pytest.raises(TypeError):
            compare(a, b)
    for av in [BOOL_TRUE, NULL, L(), M(), SS("a"), NS(1), BS(b"a")]:
        with pytest.raises(TypeError):
            sort_key_bytes(av)


def test_equality():
    assert equals(N("1.50"), N("1.5"))
    assert not equals(N("1"), S("1"))
    assert equals(B(b"xy"), {"B": "eHk="})
    assert equals(SS("a", "b"), SS("b", "a"))
    assert equals(NS("1", "2.0"), NS("2", "1.00"))
    assert equals(BS(b"a", b"b"), BS(b"b", b"a"))
    assert not equals(SS("a"), SS("a", "b"))
    assert equals(L(N("1"), S("x")), L(N("1.0"), S("x")))
    assert not equals(L(N("1"), S("x")), L(S("x"), N("1")))  # lists are ordered
    assert equals(M(a=N("1"), b=L()), M(b=L(), a=N("1.0")))
    assert not equals(M(a=N("1")), M(a=N("1"), b=NULL))
    assert equals(NULL, NULL) and equals(BOOL_TRUE, BOOL_TRUE) and not equals(BOOL_TRUE, {"BOOL": False})


def test_set_membership_and_type_of():
    assert set_contains(SS("a", "b"), S("a"))
    assert not set_contains(SS("a", "b"), N("1"))
    assert set_contains(NS("1.0"), N("1"))
    assert set_contains(BS(b"q"), B(b"q"))
    assert not set_contains(NS("1"), NS("1"))
    assert type_of(N("1")) == "N" and type_of(M()) == "M"
