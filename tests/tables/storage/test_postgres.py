"""PostgreSQL backend specifics: JSONB storage, schema bootstrap races, commit-ordered change feed."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from overcast.tables.storage.postgres import PostgresStorage
from tests.tables.avs import S
from tests.tables.storage.conftest import POSTGRES_URL
from tests.tables.storage.helpers import put, table


@pytest.fixture
async def pg(pg_schema):
    storage = PostgresStorage(POSTGRES_URL, schema=pg_schema)
    await storage.open()
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        yield storage, conn, f'"{pg_schema}"'
    finally:
        for name in (await storage.list_tables(None, 1000))[0]:
            await storage.delete_table(name)
        await conn.close()
        await storage.close()


async def test_concurrent_bootstraps_of_a_fresh_schema(pg_schema):
    stores = [PostgresStorage(f"{POSTGRES_URL}?schema={pg_schema}_boot") for _ in range(4)]
    try:
        await asyncio.gather(*(s.open() for s in stores))
        await stores[0].create_table(table("T"))
        assert await stores[3].list_tables(None, 10) == (["T"], None)
    finally:
        await asyncio.gather(*(s.close() for s in stores))
        conn = await asyncpg.connect(POSTGRES_URL)
        await conn.execute(f'DROP SCHEMA "{pg_schema}_boot" CASCADE')
        await conn.close()


async def test_items_are_jsonb_except_those_jsonb_cannot_hold(pg):
    storage, conn, s = pg
    await storage.create_table(table("T"))
    await put(storage, "T", {"pk": S("plain"), "v": S("é")})
    await put(storage, "T", {"pk": S("nul"), "v": S("a\x00b")})
    rows = await conn.fetch(f"SELECT doc->'v'->>'S' AS v, doc_text IS NOT NULL AS text FROM {s}.items ORDER BY text")
    assert [(r["v"], r["text"]) for r in rows] == [("é", False), (None, True)]
    assert await storage.get_item("T", {"pk": S("nul")}) == {"pk": S("nul"), "v": S("a\x00b")}


async def test_a_change_committed_late_is_not_skipped(pg):
    """A writer that took a smaller outbox id but commits after the relay has read a larger one."""
    storage, conn, s = pg
    await storage.create_table(table("T", stream_view="KEYS_ONLY"))
    tid = await conn.fetchval(f"SELECT tid FROM {s}.tables WHERE name = 'T'")
    late = '{"event": "INSERT", "keys": {"pk": {"S": "late"}}, "old": null, "new": null, "at": 0, "by_ttl": false}'
    tx = conn.transaction()
    await tx.start()
    await conn.execute(f"INSERT INTO {s}.outbox (tid, tbl, change) VALUES ($1, 'T', $2)", tid, late)
    await put(storage, "T", {"pk": S("early")})  # takes a larger id, commits first
    first = await storage.changes(0, 100)
    assert [c.keys for _, c in first] == [{"pk": S("early")}]
    await storage.ack_changes(first[-1][0])
    await tx.commit()
    second = await storage.changes(first[-1][0], 100)
    assert [c.keys for _, c in second] == [{"pk": S("late")}]
    assert second[0][0] > first[0][0] and second[0][1].sequence > first[0][1].sequence
