"""Conformance: the table catalogue (create, describe, list, update, delete)."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ResourceInUseException, ResourceNotFoundException, ValidationException
from overcast.tables.sizes import item_size
from overcast.tables.storage.base import RangeCondition, TableDef
from tests.tables.avs import N, S
from tests.tables.storage.helpers import MB, drain, fail_condition, gsi, lsi, put, scan_all, table


def music() -> TableDef:
    return table("Music", "S", "N", indexes=(gsi("ByGenre", "genre", "S", "year", "N", "INCLUDE", ("title",)),
                                             lsi("ByTitle", "title", "S", "KEYS_ONLY")),
                 stream_view="NEW_AND_OLD_IMAGES", ttl_attribute="expires", owner="stack-a",
                 attribute_types={"pk": "S", "sk": "N", "genre": "S", "year": "N", "title": "S"})


async def test_create_describe_delete(storage):
    t = music()
    assert await storage.create_table(t) == t
    assert await storage.describe_table("Music") == t
    assert await storage.delete_table("Music") == t
    with pytest.raises(ResourceNotFoundException) as error:
        await storage.describe_table("Music")
    assert error.value.message == "Requested resource not found"
    with pytest.raises(ResourceNotFoundException):
        await storage.delete_table("Music")


async def test_create_existing_table_is_in_use(storage):
    await storage.create_table(music())
    with pytest.raises(ResourceInUseException) as error:
        await storage.create_table(music())
    assert error.value.message == "Table already exists: Music"


async def test_created_at_is_set_when_missing(storage):
    created = await storage.create_table(TableDef("T", table("T").key))
    assert created.created_at > 1_600_000_000
    assert (await storage.describe_table("T")).created_at == created.created_at


async def test_list_tables_pages_in_byte_order(storage):
    names = ["b", "A", "a-1", "a_1", "Z", "a.b", "a1"]
    for name in names:
        await storage.create_table(table(name))
    seen, start, pages = [], None, 0
    while True:
        page, start = await storage.list_tables(start, 2)
        seen += page
        pages += 1
        assert len(page) <= 2
        if start is None:
            break
        assert start == page[-1]
    assert seen == sorted(names)
    assert pages == 4
    assert await storage.list_tables(None, 100) == (sorted(names), None)
    assert await storage.list_tables("a_1", 100) == (["b"], None)


async def test_unknown_table_is_not_found_everywhere(storage):
    key = {"pk": S("a")}
    calls = [
        storage.describe_table("nope"), storage.delete_table("nope"), storage.update_table(table("nope")),
        storage.item_count("nope"), storage.get_item("nope", key), storage.write("nope", key, lambda old: None),
        storage.transact_write([("nope", key, lambda old: None)]), storage.transact_get([("nope", key)]),
        storage.query("nope", None, S("a"), None, True, None, None, MB),
        storage.scan("nope", None, 0, 1, None, None, MB), storage.expired("nope", 0, 10),
    ]
    for call in calls:
        with pytest.raises(ResourceNotFoundException):
            await call


async def test_unknown_index_is_a_validation_error(storage):
    await storage.create_table(table("T"))
    with pytest.raises(ValidationException):
        await storage.query("T", "nope", S("a"), None, True, None, None, MB)
    with pytest.raises(ValidationException):
        await storage.scan("T", "nope", 0, 1, None, None, MB)


async def test_item_count(storage):
    await storage.create_table(table("T", "S", "N"))
    assert await storage.item_count("T") == (0, 0)
    items = [{"pk": S("a"), "sk": N(i), "v": S("xyz")} for i in range(5)]
    for item in items:
        await put(storage, "T", item)
    assert await storage.item_count("T") == (5, sum(item_size(i) for i in items))
    await storage.write("T", {"pk": S("a"), "sk": N(0)}, lambda old: None)
    assert await storage.item_count("T") == (4, sum(item_size(i) for i in items[1:]))


async def test_delete_table_removes_items_entries_and_pending_changes(storage):
    await storage.create_table(music())
    await put(storage, "Music", {"pk": S("a"), "sk": N(1), "genre": S("rock"), "year": N(1999), "title": S("t")})
    assert len(await storage.changes(0, 100)) == 1
    await storage.delete_table("Music")
    assert await storage.changes(0, 100) == []
    await storage.create_table(music())
    assert await storage.get_item("Music", {"pk": S("a"), "sk": N(1)}) is None
    assert await scan_all(storage, "Music") == []
    assert (await drain(storage, "Music", "ByGenre", S("rock")))[0] == []
    assert (await drain(storage, "Music", "ByTitle", S("a")))[0] == []
    assert await storage.item_count("Music") == (0, 0)


async def test_update_table_adds_and_drops_indexes(storage):
    await storage.create_table(table("T", "S", "N"))
    for i in range(6):
        item = {"pk": S("a"), "sk": N(i)}
        if i % 2:
            item["g"] = S("odd")
        await put(storage, "T", item)
    before = await storage.describe_table("T")
    updated = await storage.update_table(table("T", "S", "N", indexes=(gsi("G", "g", "S", "sk", "N"),),
                                               created_at=99.0))
    assert updated.created_at == before.created_at  # creation time never changes
    assert await storage.describe_table("T") == updated
    items, _ = await drain(storage, "T", "G", S("odd"))
    assert [i["sk"] for i in items] == [N(1), N(3), N(5)]
    await put(storage, "T", {"pk": S("a"), "sk": N(7), "g": S("odd")})  # maintained after the backfill
    assert len((await drain(storage, "T", "G", S("odd")))[0]) == 4
    await storage.update_table(table("T", "S", "N"))
    with pytest.raises(ValidationException):
        await storage.query("T", "G", S("odd"), None, True, None, None, MB)
    # Re-adding it later rebuilds it from the items, with no stale entries.
    await storage.write("T", {"pk": S("a"), "sk": N(7)}, lambda old: None)
    await storage.update_table(table("T", "S", "N", indexes=(gsi("G", "g", "S", "sk", "N"),)))
    items, _ = await drain(storage, "T", "G", S("odd"), cond=RangeCondition(">", (N(0),)))
    assert [i["sk"] for i in items] == [N(1), N(3), N(5)]


async def test_update_table_cannot_change_the_key(storage):
    await storage.create_table(table("T", "S", "N"))
    with pytest.raises(ValidationException):
        await storage.update_table(table("T", "S", "S"))


async def test_aborted_create_of_nothing_leaves_catalogue_alone(storage):
    await storage.create_table(table("T"))
    with pytest.raises(Exception):
        await storage.write("T", {"pk": S("a")}, fail_condition)
    assert await storage.list_tables(None, 10) == (["T"], None)
