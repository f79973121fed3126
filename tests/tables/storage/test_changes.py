"""Conformance: the outbox (change records written with each write) and TTL expiry."""

from __future__ import annotations

import asyncio

import pytest

from tests.tables.avs import N, S
from tests.tables.storage.helpers import delete, fail_condition, put, table


async def all_changes(storage, after: int = 0) -> list:
    out = []
    while batch := await storage.changes(after, 7):
        out += batch
        after = batch[-1][0]
    return out


async def test_records_in_order_with_old_and_new_images(storage):
    await storage.create_table(table("T", "S", stream_view="NEW_AND_OLD_IMAGES"))
    a1, a2 = {"pk": S("a"), "v": N(1)}, {"pk": S("a"), "v": N(2)}
    await put(storage, "T", a1)
    await put(storage, "T", a2)
    await put(storage, "T", a2)  # no change: no record
    with pytest.raises(Exception):
        await storage.write("T", {"pk": S("a")}, fail_condition)  # aborted: no record
    await delete(storage, "T", {"pk": S("a")})
    await delete(storage, "T", {"pk": S("a")})  # nothing to delete: no record
    changes = await all_changes(storage)
    assert [(c.table, c.event, c.keys, c.old, c.new, c.by_ttl) for _, c in changes] == [
        ("T", "INSERT", {"pk": S("a")}, None, a1, False),
        ("T", "MODIFY", {"pk": S("a")}, a1, a2, False),
        ("T", "REMOVE", {"pk": S("a")}, a2, None, False),
    ]
    ids = [i for i, _ in changes]
    sequences = [c.sequence for _, c in changes]
    assert ids == sorted(set(ids)) and sequences == sorted(set(sequences))
    assert all(abs(c.at - changes[0][1].at) < 60 for _, c in changes)
    assert await storage.changes(ids[0], 100) == changes[1:]
    assert await storage.changes(ids[0], 1) == changes[1:2]
    await storage.ack_changes(ids[1])
    assert await all_changes(storage) == changes[2:]
    await storage.ack_changes(ids[-1])
    assert await all_changes(storage) == []


@pytest.mark.parametrize("view, keep_old, keep_new", [("KEYS_ONLY", False, False), ("NEW_IMAGE", False, True),
                                                      ("OLD_IMAGE", True, False)])
async def test_view_types_keep_the_images_they_name(storage, view, keep_old, keep_new):
    await storage.create_table(table("T", "S", "N", stream_view=view))
    old, new = {"pk": S("a"), "sk": N(1), "v": N(1)}, {"pk": S("a"), "sk": N(1), "v": N(2)}
    await put(storage, "T", old)
    await put(storage, "T", new)
    (_, insert), (_, modify) = await all_changes(storage)
    assert insert.keys == modify.keys == {"pk": S("a"), "sk": N(1)}
    assert modify.old == (old if keep_old else None) and modify.new == (new if keep_new else None)
    assert insert.old is None and insert.new == (old if keep_new else None)


async def test_tables_without_a_stream_write_no_records(storage):
    await storage.create_table(table("T", "S"))
    await put(storage, "T", {"pk": S("a")})
    assert await all_changes(storage) == []
    await storage.update_table(table("T", "S", stream_view="NEW_IMAGE"))
    await put(storage, "T", {"pk": S("b")})
    assert [c.keys for _, c in await all_changes(storage)] == [{"pk": S("b")}]


async def test_sequences_are_per_table_and_ids_follow_commit_order(storage):
    for name in ("A", "B"):
        await storage.create_table(table(name, "S", stream_view="KEYS_ONLY"))
    for n in range(5):
        await put(storage, "A", {"pk": S(f"a{n}")})
        await put(storage, "B", {"pk": S(f"b{n}")})
    ok, _ = await storage.transact_write([("A", {"pk": S("t")}, lambda old: {"pk": S("t")}),
                                         ("B", {"pk": S("t")}, lambda old: {"pk": S("t")})])
    changes = await all_changes(storage)
    assert [c.keys["pk"]["S"] for _, c in changes][:10] == [f"{t}{n}" for n in range(5) for t in "ab"]
    assert sorted((c.table, c.keys["pk"]["S"]) for _, c in changes[10:]) == [("A", "t"), ("B", "t")]
    for name in ("A", "B"):
        sequences = [c.sequence for _, c in changes if c.table == name]
        assert len(sequences) == 6 and sequences == sorted(set(sequences))


async def test_a_relay_following_concurrent_writers_misses_nothing(storage):
    await storage.create_table(table("T", "S", "N", stream_view="NEW_IMAGE"))
    writers, per_writer, done = 6, 25, asyncio.Event()

    async def writer(w):
        for n in range(per_writer):
            await put(storage, "T", {"pk": S(f"w{w}"), "sk": N(n)})

    seen, after = [], 0

    async def relay():
        nonlocal after
        while True:
            finished = done.is_set()
            batch = await storage.changes(after, 10)
            if batch:
                seen.extend(batch)
                after = batch[-1][0]
                await storage.ack_changes(after)
            elif finished:
                return
            await asyncio.sleep(0)

    task = asyncio.create_task(relay())
    await asyncio.gather(*(writer(w) for w in range(writers)))
    done.set()
    await task
    assert len(seen) == writers * per_writer
    assert [c.sequence for _, c in seen] == sorted({c.sequence for _, c in seen})
    for w in range(writers):  # each item's records in write order
        assert [c.keys["sk"] for _, c in seen if c.keys["pk"] == S(f"w{w}")] == [N(n) for n in range(per_writer)]


async def test_expired_returns_keys_of_items_past_their_ttl(storage):
    await storage.create_table(table("T", "S", "N", ttl_attribute="exp", stream_view="OLD_IMAGE"))
    items = [{"pk": S("a"), "sk": N(1), "exp": N(300)}, {"pk": S("a"), "sk": N(2), "exp": N("100.5")},
             {"pk": S("b"), "sk": N(1), "exp": N(200)}, {"pk": S("c"), "sk": N(1), "exp": S("100")},
             {"pk": S("d"), "sk": N(1)}, {"pk": S("e"), "sk": N(1), "exp": N(-5)}]
    for item in items:
        await put(storage, "T", item)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in items]
    assert await storage.expired("T", 200, 10) == [keys[5], keys[1], keys[2]]
    assert await storage.expired("T", 200, 2) == [keys[5], keys[1]]
    assert await storage.expired("T", -10, 10) == []
    await put(storage, "T", {**items[2], "exp": N(1000)})
    assert await storage.expired("T", 200, 10) == [keys[5], keys[1]]

    await storage.write("T", keys[1], lambda old: None, by_ttl=True)
    (_, removed), = [c for c in await all_changes(storage) if c[1].event == "REMOVE"]
    assert removed.by_ttl and removed.old == items[1]
    assert await storage.expired("T", 200, 10) == [keys[5]]

    await storage.update_table(table("T", "S", "N", ttl_attribute="other", stream_view="OLD_IMAGE"))
    assert await storage.expired("T", 10**12, 10) == []
    await storage.update_table(table("T", "S", "N", ttl_attribute="exp", stream_view="OLD_IMAGE"))
    assert await storage.expired("T", 10**12, 10) == [keys[5], keys[0], keys[2]]


async def test_expired_without_ttl_is_empty(storage):
    await storage.create_table(table("T", "S"))
    await put(storage, "T", {"pk": S("a"), "exp": N(1)})
    assert await storage.expired("T", 10**12, 10) == []
