"""Conformance: Query on S, N and B sort keys against a reference model, and DynamoDB's paging rules."""

from __future__ import annotations

from functools import cmp_to_key

import pytest

from overcast.tables.comparison import compare
from overcast.tables.errors import ValidationException
from overcast.tables.expressions import KeyCondition
from overcast.tables.sizes import item_size
from overcast.tables.storage.base import RangeCondition
from overcast.tables.values import normalize_item
from tests.tables.avs import B, N, S
from tests.tables.storage.helpers import MB, drain, put, table

SORT_VALUES = {
    "N": [N(v) for v in ("-1E+100", "-123456789012345678901234567890.5", "-1000", "-10.5", "-10", "-9.99", "-9",
                         "-1", "-0.5", "-0.001", "-1E-100", "0", "1E-100", "0.001", "0.5", "1", "9", "9.99", "10",
                         "10.5", "100", "1000", "123456789012345678901234567890.5", "1E+100")],
    "S": [S(v) for v in ("a", "B", "Z", "z", "é", "aa", "ab", "a\x00", "a b", "a\x7f", "a\u00ff", "ß", "中", "中文",
                         "𝄞", "\uffff", "zz", "Aa", "0", "9", "~")],
    "B": [B(v) for v in (b"\x00", b"\x00\x00", b"\x00\x01", b"\x01", b"\x7f", b"\x80", b"\xfe", b"\xff", b"\xff\x00",
                         b"\xff\xff", b"a", b"ab", b"abc", b"b")],
}
# Probe values include some no item has, and the ends of each type's range.
PROBES = {
    "N": [N(v) for v in ("-1E+125", "-10", "-9.995", "-0.5", "0", "0.0001", "9.99", "10", "1E+125")],
    "S": [S(v) for v in ("a", "a\x00", "A", "aa", "ab", "b", "z", "é", "中", "𝄞", "\U0010ffff")],
    "B": [B(v) for v in (b"\x00", b"\x00\x00", b"\x01", b"a", b"ab", b"\xff", b"\xff\xff", b"\xff\xff\xff")],
}
ORDER = cmp_to_key(compare)


def reference(items: list[dict], cond: RangeCondition | None, forward: bool) -> list[dict]:
    kc = KeyCondition("pk", S("p"), "sk", cond.op if cond else None, cond.values if cond else ())
    out = sorted((i for i in items if kc.matches(i)), key=lambda i: ORDER(i["sk"]))
    return out if forward else out[::-1]


def conditions(sort_type: str):
    probes = PROBES[sort_type]
    for op in ("=", "<", "<=", ">", ">="):
        for v in probes:
            yield RangeCondition(op, (v,))
    for lo in probes:
        for hi in probes:
            if compare(lo, hi) <= 0:
                yield RangeCondition("BETWEEN", (lo, hi))
    if sort_type in ("S", "B"):
        prefixes = [S(p) for p in ("a", "a\x00", "中", "z", "\uffff")] if sort_type == "S" else \
            [B(p) for p in (b"\x00", b"\xff", b"\xff\xff", b"a", b"ab")]
        for p in prefixes:
            yield RangeCondition("begins_with", (p,))


@pytest.mark.parametrize("sort_type", ["N", "S", "B"])
async def test_query_matches_the_reference_model(storage, sort_type):
    await storage.create_table(table("T", "S", sort_type))
    items = [normalize_item({"pk": S("p"), "sk": v, "i": N(n)}) for n, v in enumerate(SORT_VALUES[sort_type])]
    for item in items:
        await put(storage, "T", item)
        await put(storage, "T", {**item, "pk": S("q")})  # another partition, never returned
    for forward in (True, False):
        got, _ = await drain(storage, "T", None, S("p"), forward=forward)
        assert got == reference(items, None, forward)
        for cond in conditions(sort_type):
            got, pages = await drain(storage, "T", None, S("p"), forward=forward, cond=cond)
            assert got == reference(items, cond, forward), (cond, forward)
            assert len(pages) == 1 and pages[0].last_key is None


async def test_query_without_range_key(storage):
    await storage.create_table(table("T", "N"))
    await put(storage, "T", {"pk": N(-5), "v": S("x")})
    await put(storage, "T", {"pk": N(5)})
    assert (await drain(storage, "T", None, N("-5.0")))[0] == [{"pk": N(-5), "v": S("x")}]
    assert (await drain(storage, "T", None, N(6)))[0] == []


@pytest.mark.parametrize("forward", [True, False])
async def test_limit_pages_continue_with_exactly_the_rest(storage, forward):
    await storage.create_table(table("T", "S", "N"))
    items = [{"pk": S("p"), "sk": N(n)} for n in range(-10, 11)]
    for item in items:
        await put(storage, "T", item)
    expected = items if forward else items[::-1]
    for limit in (1, 2, 3, 7, 21, 22, 100):
        got, pages = await drain(storage, "T", None, S("p"), forward=forward, limit=limit)
        assert got == expected
        assert [len(p.items) for p in pages[:-1]] == [limit] * (len(pages) - 1)
        # DynamoDB sets LastEvaluatedKey whenever the limit stops a page, even on the last item.
        assert len(pages) == len(items) // limit + 1
        for page in pages:
            assert page.scanned == len(page.items)
            if page.last_key is not None:
                assert page.last_key == page.items[-1]
    cond = RangeCondition("BETWEEN", (N(-3), N(3)))
    first = await storage.query("T", None, S("p"), cond, forward, None, 2, MB)
    rest = await storage.query("T", None, S("p"), cond, forward, first.last_key, None, MB)
    assert first.items + rest.items == [i for i in expected if -3 <= int(i["sk"]["N"]) <= 3]
    assert rest.last_key is None
    with pytest.raises(ValidationException):  # a starting key from another partition
        await storage.query("T", None, S("q"), cond, forward, first.last_key, None, MB)


async def test_page_ends_after_the_item_that_reaches_page_bytes(storage):
    await storage.create_table(table("T", "S", "N"))
    items = [{"pk": S("p"), "sk": N(n), "pad": S("x" * 90)} for n in range(10, 20)]
    for item in items:
        await put(storage, "T", item)
    size = item_size(items[0])
    assert all(item_size(i) == size for i in items)
    for page_bytes, per_page in ((size * 2 + 1, 3), (size * 3, 3), (size * 3 - 1, 3), (1, 1), (size * 10, 10)):
        got, pages = await drain(storage, "T", None, S("p"), page_bytes=page_bytes)
        assert got == items
        assert [len(p.items) for p in pages] == [per_page] * (10 // per_page) + [10 % per_page]
    # A limit and the size stop together: whichever comes first ends the page.
    page = await storage.query("T", None, S("p"), None, True, None, 2, size * 3)
    assert len(page.items) == 2 and page.last_key == {"pk": S("p"), "sk": N(11)}
    page = await storage.query("T", None, S("p"), None, True, None, 5, size * 3)
    assert len(page.items) == 3 and page.last_key == {"pk": S("p"), "sk": N(12)}


async def test_large_partition_in_many_batches(storage):
    await storage.create_table(table("T", "S", "N"))
    items = [{"pk": S("p"), "sk": N(n)} for n in range(3000)]
    await storage.transact_write([])  # an empty transaction is a no-op
    for item in items:
        await put(storage, "T", item)
    page = await storage.query("T", None, S("p"), None, True, None, None, MB)
    assert page.items == items and page.last_key is None
    page = await storage.query("T", None, S("p"), RangeCondition(">", (N(499),)), False, None, 1500, MB)
    assert page.items == items[::-1][:1500]
    assert page.last_key == {"pk": S("p"), "sk": N(1500)}
