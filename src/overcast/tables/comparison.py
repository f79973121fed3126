"""Ordering and equality of attribute values, as DynamoDB defines them.

* S compares by UTF-8 bytes. UTF-8 preserves code point order, so this is
  Python's own ``str`` ordering ("Z" < "a" < "é").
* N compares numerically ("1.0" == "1", "-10" < "-9").
* B compares as unsigned bytes.

Other types have no order. Equality is defined for every type: sets ignore
order, numbers compare by value, binaries by decoded bytes, lists and maps
element by element.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from overcast.tables.numbers import encode_number

ORDERED_TYPES = ("S", "N", "B")


def type_of(av: dict) -> str:
    """The type tag of a (valid) attribute value: "S", "N", "M", ..."""
    for tag in av:
        return tag
    raise TypeError("empty attribute value")


def decode_binary(text: str) -> bytes:
    return base64.b64decode(text)


def _scalar(av: dict) -> tuple[str, object]:
    if len(av) != 1:
        raise TypeError(f"not a single attribute value: {av!r}")
    ((tag, raw),) = av.items()
    return tag, raw


def compare(a: dict, b: dict) -> int:
    """-1, 0 or 1 for two S, N or B values of the same type; TypeError otherwise."""
    ta, ra = _scalar(a)
    tb, rb = _scalar(b)
    if ta != tb or ta not in ORDERED_TYPES:
        raise TypeError(f"cannot order {ta} against {tb}")
    if ta == "N":
        x, y = Decimal(ra), Decimal(rb)
    elif ta == "B":
        x, y = decode_binary(ra), decode_binary(rb)
    else:
        x, y = ra, rb
    return (x > y) - (x < y)


def sort_key_bytes(av: dict) -> bytes:
    """Bytes that sort (memcmp / SQL BLOB order) exactly like ``compare`` orders values.

    S: the UTF-8 encoding; B: the raw bytes; N: :func:`numbers.encode_number`.
    """
    tag, raw = _scalar(av)
    if tag == "S":
        return raw.encode("utf-8")
    if tag == "B":
        return decode_binary(raw)
    if tag == "N":
        return encode_number(Decimal(raw))
    raise TypeError(f"{tag} values have no sort order")


def _set_members(tag: str, members: list) -> frozenset:
    if tag == "NS":
        return frozenset(Decimal(m) for m in members)
    if tag == "BS":
        return frozenset(decode_binary(m) for m in members)
    return frozenset(members)


def equals(a: dict, b: dict) -> bool:
    """DynamoDB equality: same type and same value (sets unordered, numbers by value)."""
    ta, ra = _scalar(a)
    tb, rb = _scalar(b)
    if ta != tb:
        return False
    if ta in ("S", "BOOL", "NULL"):
        return ra == rb
    if ta == "N":
        return Decimal(ra) == Decimal(rb)
    if ta == "B":
        return decode_binary(ra) == decode_binary(rb)
    if ta in ("SS", "NS", "BS"):
        return _set_members(ta, ra) == _set_members(ta, rb)
    if ta == "L":
        return len(ra) == len(rb) and all(equals(x, y) for x, y in zip(ra, rb))
    if ta == "M":
        return ra.keys() == rb.keys() and all(equals(v, rb[k]) for k, v in ra.items())
    return False


def set_contains(av: dict, member: dict) -> bool:
    """Whether set ``av`` (SS/NS/BS) holds scalar ``member`` of the matching type."""
    tag, members = _scalar(av)
    mtag, raw = _scalar(member)
    if tag != mtag + "S" or mtag not in ORDERED_TYPES:
        return False
    if mtag == "S":
        return raw in members
    if mtag == "N":
        return Decimal(raw) in _set_members(tag, members)
    return decode_binary(raw) in _set_members(tag, members)
