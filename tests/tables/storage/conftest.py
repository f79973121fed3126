"""The conformance fixture: every test taking ``storage`` runs against SQLite and against PostgreSQL.

SQLite: a fresh file per test. PostgreSQL: the local server
(``OVERCAST_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``),
one fresh schema per test module, dropped afterwards; tables are deleted after
each test. A missing server fails the PostgreSQL tests (CI starts one); set
``OVERCAST_SKIP_POSTGRES=1`` to skip them on a machine without one.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest

from overcast.tables.storage.postgres import PostgresStorage
from overcast.tables.storage.sqlite import SqliteStorage

POSTGRES_URL = os.environ.get("OVERCAST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _drop_schema(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def pg_schema(request):
    """A schema name unique to this test module; dropped when the module is done."""
    if os.environ.get("OVERCAST_SKIP_POSTGRES") == "1":
        pytest.skip("OVERCAST_SKIP_POSTGRES=1")
    name = f"test_{request.module.__name__.rsplit('.', 1)[-1]}_{uuid.uuid4().hex[:8]}"
    yield name
    asyncio.run(_drop_schema(name))


@pytest.fixture(params=["sqlite", "postgres"])
async def storage(request, tmp_path):
    if request.param == "sqlite":
        store = SqliteStorage(str(tmp_path / "tables.db"))
    else:
        store = PostgresStorage(POSTGRES_URL, schema=request.getfixturevalue("pg_schema"), max_connections=8)
    await store.open()
    try:
        yield store
    finally:
        names, _ = await store.list_tables(None, 1000)
        for name in names:
            await store.delete_table(name)
        await store.close()
