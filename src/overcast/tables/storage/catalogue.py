"""The table catalogue on SQL relations, and the hooks a SQL backend provides (see :mod:`.relational`)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any, Protocol

from overcast.tables.errors import ResourceInUseException, ResourceNotFoundException
from overcast.tables.storage.base import TableDef
from overcast.tables.storage.rows import (
    WritePlan,
    check_update,
    index_entries,
    loads,
    table_from_json,
    table_to_json,
    ttl_of,
)

NOT_FOUND = "Requested resource not found"


class Tx(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list: ...
    async def fetchrow(self, sql: str, *args: Any) -> Any: ...
    async def fetchval(self, sql: str, *args: Any) -> Any: ...
    async def execute(self, sql: str, *args: Any) -> None: ...
    async def executemany(self, sql: str, rows: list[tuple]) -> None: ...


class SqlCatalogue:
    """Tables on SQL relations; a backend subclass provides the connection handling."""

    prefix = ""  # qualifies relation names (a PostgreSQL schema)
    doc = "i.doc"  # the SQL expression that reads an item's JSON text from ``items i``

    # -- provided by the backend -------------------------------------------------------------------

    async def _write(self, body: Callable[[Tx], Awaitable]) -> Any:
        """``await body(tx)`` in one serializable write transaction."""
        raise NotImplementedError

    async def _snapshot(self, body: Callable[[Tx], Awaitable]) -> Any:
        """``await body(tx)`` in one consistent read-only transaction."""
        raise NotImplementedError

    def _reading(self) -> AbstractAsyncContextManager[Tx]:
        """A Tx for reads outside a transaction (each statement sees committed data)."""
        raise NotImplementedError

    async def _store(self, tx: Tx, tid: int, plan: WritePlan, doc: str) -> None:
        """Insert or replace the item row of ``plan`` (``doc`` is its JSON text)."""
        raise NotImplementedError

    async def _append_change(self, tx: Tx, tid: int, table: TableDef, plan: WritePlan) -> None:
        raise NotImplementedError

    # -- catalogue ---------------------------------------------------------------------------------

    async def _table(self, tx: Tx, name: str) -> tuple[int, TableDef]:
        row = await tx.fetchrow(f"SELECT tid, def FROM {self.prefix}tables WHERE name = ?", name)
        if row is None:
            raise ResourceNotFoundException(NOT_FOUND, table=name)
        return row[0], table_from_json(row[1])

    async def create_table(self, table: TableDef) -> TableDef:
        if not table.created_at:
            table = replace(table, created_at=time.time())

        async def create(tx: Tx) -> TableDef:
            if await tx.fetchval(f"SELECT 1 FROM {self.prefix}tables WHERE name = ?", table.name):
                raise ResourceInUseException(f"Table already exists: {table.name}")
            await tx.execute(f"INSERT INTO {self.prefix}tables (name, def) VALUES (?, ?)",
                             table.name, table_to_json(table))
            return table

        return await self._write(create)

    async def describe_table(self, name: str) -> TableDef:
        async with self._reading() as tx:
            return (await self._table(tx, name))[1]

    async def list_tables(self, start_after: str | None, limit: int) -> tuple[list[str], str | None]:
        async with self._reading() as tx:
            rows = await tx.fetch(f"SELECT name FROM {self.prefix}tables WHERE name > ? ORDER BY name LIMIT ?",
                                  start_after or "", limit + 1)
        names = [r[0] for r in rows[:limit]]
        return names, (names[-1] if len(rows) > limit else None)

    async def delete_table(self, name: str) -> TableDef:
        async def delete(tx: Tx) -> TableDef:
            tid, table = await self._table(tx, name)
            for relation in ("items", "entries", "outbox", "tables"):
                await tx.execute(f"DELETE FROM {self.prefix}{relation} WHERE tid = ?", tid)
            await tx.execute(f"DELETE FROM {self.prefix}counters WHERE name = ?", f"seq:{tid}")
            return table

        return await self._write(delete)

    async def update_table(self, table: TableDef) -> TableDef:
        async def update(tx: Tx) -> TableDef:
            tid, old = await self._table(tx, table.name)
            new, rebuild, retime = check_update(old, table)
            p = self.prefix
            await tx.execute(f"UPDATE {p}tables SET def = ? WHERE tid = ?", table_to_json(new), tid)
            for name in rebuild:
                await tx.execute(f"DELETE FROM {p}entries WHERE tid = ? AND idx = ?", tid, name)
            if not (rebuild or retime):
                return new
            entries, ttls = [], []
            for h, pk, sk, doc in await tx.fetch(f"SELECT h, pk, sk, {self.doc} FROM {p}items i WHERE tid = ?", tid):
                item = loads(doc)
                entries += [(tid, name, e.h, e.pk, e.sk, h, pk, sk)
                            for name, e in index_entries(new, item).items() if name in rebuild]
                ttls.append((ttl_of(new, item), tid, h, pk, sk))
            if entries:
                await tx.executemany(f"INSERT INTO {p}entries (tid, idx, h, pk, sk, bh, bpk, bsk) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries)
            if retime and ttls:
                await tx.executemany(f"UPDATE {p}items SET ttl = ? WHERE tid = ? AND h = ? AND pk = ? AND sk = ?", ttls)
            return new

        return await self._write(update)

    async def item_count(self, name: str) -> tuple[int, int]:
        async with self._reading() as tx:
            tid, _ = await self._table(tx, name)
            row = await tx.fetchrow(f"SELECT count(*), coalesce(sum(size), 0) FROM {self.prefix}items WHERE tid = ?",
                                    tid)
        return int(row[0]), int(row[1])
