"""Conformance: global and local secondary indexes (sparse membership, order, projections, paging)."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.storage.base import RangeCondition
from tests.tables.avs import B, N, S
from tests.tables.storage.helpers import MB, delete, drain, gsi, lsi, put, scan_all, table

INDEXES = (
    gsi("ByG", "g", "S", "gs", "N"),
    gsi("ByGKeys", "g", "S", "gs", "N", projection="KEYS_ONLY"),
    gsi("ByGInclude", "g", "S", "gs", "N", projection="INCLUDE", include=("a", "missing")),
    gsi("ByBin", "bin", "B"),
    lsi("ByL", "l", "N"),
    lsi("ByLKeys", "l", "N", projection="KEYS_ONLY"),
)


@pytest.fixture
async def t(storage):
    await storage.create_table(table("T", "S", "S", indexes=INDEXES))
    return storage


def item(pk: str, sk: str, **attrs) -> dict:
    return {"pk": S(pk), "sk": S(sk), **attrs}


async def test_gsi_is_sparse_and_ordered_by_index_key_then_table_key(t):
    members = [item("p2", "a", g=S("x"), gs=N(2), a=S("A"), b=S("B")),
               item("p1", "b", g=S("x"), gs=N(-1)),
               item("p1", "a", g=S("x"), gs=N(2)),
               item("p3", "z", g=S("x"), gs=N("1.5"), a=S("A3"))]
    others = [item("p4", "a", g=S("x")),              # no index range key
              item("p5", "a", g=S("x"), gs=S("2")),   # wrong type
              item("p6", "a", g=N(1), gs=N(1)),       # wrong hash key type
              item("p7", "a", g=S(""), gs=N(1)),      # empty key value
              item("p8", "a", g=S("y"), gs=N(1)),     # another index partition
              item("p9", "a")]
    for i in members + others:
        await put(t, "T", i)
    expected = [members[1], members[3], members[2], members[0]]  # gs -1, 1.5, 2 (p1 a), 2 (p2 a)
    got, _ = await drain(t, "T", "ByG", S("x"))
    assert got == expected
    assert (await drain(t, "T", "ByG", S("x"), forward=False))[0] == expected[::-1]
    keys_only, _ = await drain(t, "T", "ByGKeys", S("x"))
    assert keys_only == [{k: v for k, v in i.items() if k in ("pk", "sk", "g", "gs")} for i in expected]
    included, _ = await drain(t, "T", "ByGInclude", S("x"))
    assert included == [{k: v for k, v in i.items() if k in ("pk", "sk", "g", "gs", "a")} for i in expected]
    cond = RangeCondition("BETWEEN", (N(0), N(2)))
    assert (await drain(t, "T", "ByG", S("x"), cond=cond))[0] == expected[1:]
    assert (await drain(t, "T", "ByG", S("y")))[0] == [others[4]]


async def test_gsi_paging_through_equal_index_keys(t):
    items = [item(f"p{n % 7}", f"s{n}", g=S("x"), gs=N(n % 3)) for n in range(40)]
    for i in items:
        await put(t, "T", i)
    full, _ = await drain(t, "T", "ByG", S("x"))
    assert len(full) == 40
    for forward in (True, False):
        for limit in (1, 3, 40):
            got, pages = await drain(t, "T", "ByG", S("x"), forward=forward, limit=limit)
            assert got == (full if forward else full[::-1])
            for page in pages:
                if page.last_key is not None:
                    last = page.items[-1]
                    assert page.last_key == {k: last[k] for k in ("pk", "sk", "g", "gs")}
    page = await t.query("T", "ByGKeys", S("x"), None, True, None, 5, MB)
    rest, _ = await drain(t, "T", "ByGKeys", S("x"))
    assert page.items == rest[:5]
    after = await t.query("T", "ByGKeys", S("x"), None, True, page.last_key, None, MB)
    assert page.items + after.items == rest


async def test_index_entries_follow_updates_and_deletes(t):
    await put(t, "T", item("p", "a", g=S("x"), gs=N(1), bin=B(b"\x01")))
    await put(t, "T", item("p", "a", g=S("y"), gs=N(1), bin=B(b"\x01")))
    assert (await drain(t, "T", "ByG", S("x")))[0] == []
    assert len((await drain(t, "T", "ByG", S("y")))[0]) == 1
    await put(t, "T", item("p", "a", g=S("y"), gs=N(5), bin=B(b"\x01"), other=S("o")))
    got, _ = await drain(t, "T", "ByG", S("y"), cond=RangeCondition("=", (N(5),)))
    assert got == [item("p", "a", g=S("y"), gs=N(5), bin=B(b"\x01"), other=S("o"))]
    assert (await drain(t, "T", "ByG", S("y"), cond=RangeCondition("=", (N(1),))))[0] == []
    assert (await drain(t, "T", "ByBin", B(b"\x01")))[0] == got
    await put(t, "T", item("p", "a"))  # leaves every index
    for name, value in (("ByG", S("y")), ("ByBin", B(b"\x01"))):
        assert (await drain(t, "T", name, value))[0] == []
    await put(t, "T", item("p", "a", g=S("y"), gs=N(5)))
    await delete(t, "T", {"pk": S("p"), "sk": S("a")})
    assert (await drain(t, "T", "ByG", S("y")))[0] == []
    assert await scan_all(t, "T", "ByG") == []


async def test_lsi_orders_a_partition_by_another_attribute(t):
    items = [item("p", "a", l=N(3)), item("p", "b", l=N(-1), x=S("x")), item("p", "c"), item("p", "d", l=N(3)),
             item("q", "a", l=N(0))]
    for i in items:
        await put(t, "T", i)
    got, _ = await drain(t, "T", "ByL", S("p"))
    assert got == [items[1], items[0], items[3]]
    got, _ = await drain(t, "T", "ByLKeys", S("p"), forward=False, cond=RangeCondition(">=", (N(0),)))
    assert got == [{"pk": S("p"), "sk": S("d"), "l": N(3)}, {"pk": S("p"), "sk": S("a"), "l": N(3)}]
    page = await t.query("T", "ByL", S("p"), None, True, None, 1, MB)
    assert page.last_key == {"pk": S("p"), "sk": S("b"), "l": N(-1)}


async def test_index_query_validates_its_key_types(t):
    with pytest.raises(ValidationException):
        await t.query("T", "ByG", N(1), None, True, None, None, MB)
    with pytest.raises(ValidationException):
        await t.query("T", "ByG", S("x"), RangeCondition("=", (S("1"),)), True, None, None, MB)
    with pytest.raises(ValidationException):
        await t.query("T", "ByG", S("x"), None, True, {"pk": S("p"), "sk": S("a")}, None, MB)
