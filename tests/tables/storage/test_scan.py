"""Conformance: Scan, whole and in parallel segments, of tables and indexes."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.sizes import item_size
from overcast.tables.storage.keys import partition_hash
from overcast.tables.values import sort_key_bytes
from tests.tables.avs import N, S
from tests.tables.storage.helpers import MB, gsi, put, scan_all, table


def freeze(item: dict) -> str:
    return repr(sorted(item.items()))


@pytest.fixture
async def items(storage):
    await storage.create_table(table("T", "S", "N", indexes=(gsi("G", "g", "N", projection="KEYS_ONLY"),)))
    items = []
    for p in range(40):
        for s in range(p % 4):
            item = {"pk": S(f"p{p}"), "sk": N(s), "pad": S("x" * p)}
            if p % 3 == 0:
                item["g"] = N(p % 5)
            items.append(item)
            await put(storage, "T", item)
    return items


def position(item: dict) -> tuple:
    pk = sort_key_bytes(item["pk"])
    return (partition_hash(pk), pk, sort_key_bytes(item["sk"]))


@pytest.mark.parametrize("total", [1, 2, 3, 7, 64])
async def test_segments_cover_every_item_exactly_once(storage, items, total):
    seen = []
    for segment in range(total):
        part = await scan_all(storage, "T", segment=segment, total=total, limit=5)
        assert part == sorted(part, key=position)  # partition-hash order; sort-key order within a partition
        assert part == await scan_all(storage, "T", segment=segment, total=total)  # deterministic
        seen += part
    assert sorted(map(freeze, seen)) == sorted(map(freeze, items))


async def test_scan_pages_by_limit_and_bytes(storage, items):
    everything = await scan_all(storage, "T")
    page = await storage.scan("T", None, 0, 1, None, 7, MB)
    assert page.items == everything[:7] and page.last_key == {k: everything[6][k] for k in ("pk", "sk")}
    assert page.scanned == 7
    budget = sum(item_size(i) for i in everything[:4])
    page = await storage.scan("T", None, 0, 1, None, None, budget)
    assert page.items == everything[:4] and page.last_key is not None
    page = await storage.scan("T", None, 0, 1, page.last_key, None, MB)
    assert page.items == everything[4:] and page.last_key is None
    page = await storage.scan("T", None, 0, 1, None, len(everything), MB)
    assert page.items == everything and page.last_key is not None
    page = await storage.scan("T", None, 0, 1, page.last_key, len(everything), MB)
    assert page.items == [] and page.last_key is None


async def test_index_scan_in_segments(storage, items):
    indexed = [{k: i[k] for k in ("pk", "sk", "g")} for i in items if "g" in i]
    seen = []
    for segment in range(3):
        seen += await scan_all(storage, "T", "G", segment, 3, limit=2)
    assert sorted(map(freeze, seen)) == sorted(map(freeze, indexed))


async def test_bad_segments_are_rejected(storage, items):
    for segment, total in ((1, 1), (-1, 2), (0, 0)):
        with pytest.raises(ValidationException):
            await storage.scan("T", None, segment, total, None, None, MB)
    with pytest.raises(ValidationException):
        await storage.scan("T", None, 0, 1, {"pk": S("p1")}, None, MB)
    with pytest.raises(ValidationException):
        await storage.scan("T", None, 0, 1, None, 0, MB)
