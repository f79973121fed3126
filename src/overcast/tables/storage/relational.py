"""The Storage operations both SQL backends share, written once against a small transaction interface.

A backend supplies the hooks declared on :class:`~.catalogue.SqlCatalogue`: a
:class:`~.catalogue.Tx` (``fetch``/``fetchrow``/``fetchval``/``execute``/``executemany``
with ``?`` placeholders), how to run a write transaction and a consistent
read, and the two places where the engines differ: how an item row is stored
and how a change record enters the outbox. Relations (both backends):

* ``tables (tid, name, def)``: the catalogue, TableDef as JSON;
* ``items (tid, h, pk, sk, doc, size, ttl)``: one row per item;
* ``entries (tid, idx, h, pk, sk, bh, bpk, bsk)``: one row per item per index it belongs to;
* ``outbox``: change records of streamed tables, written in the write's transaction;
* ``counters (name, value)``: per-table change sequences (``seq:<tid>``).

``mutate`` runs inside the write's transaction and may run more than once
(PostgreSQL retries a transaction that lost a serialization conflict), so it
must be a pure function of the old item; it gets its own copy of it.
"""

from __future__ import annotations

import time

from overcast.tables.errors import DynamoError, TransactionCanceledException
from overcast.tables.storage.base import Item, Mutation, Page, RangeCondition, TableDef
from overcast.tables.storage.catalogue import SqlCatalogue, Tx
from overcast.tables.storage.keys import StoredKey, stored_key
from overcast.tables.storage.reads import Pager, Read, query_read, scan_read
from overcast.tables.storage.rows import (
    WritePlan,
    cancellation_reason,
    dumps,
    duplicate_items,
    loads,
    plan_write,
)

Prepared = tuple[int, TableDef, WritePlan]


class SqlStorage(SqlCatalogue):
    """Storage on SQL relations (see the module docstring); the backend subclass provides the connections."""

    # -- items -------------------------------------------------------------------------------------

    async def _load(self, tx: Tx, tid: int, table: TableDef, key: Item) -> tuple[StoredKey, str | None]:
        k = stored_key(table.key, key)
        doc = await tx.fetchval(f"SELECT {self.doc} FROM {self.prefix}items i WHERE tid = ? AND h = ? AND pk = ? "
                                "AND sk = ?", tid, k.h, k.pk, k.sk)
        return k, doc

    async def get_item(self, name: str, key: Item) -> Item | None:
        async with self._reading() as tx:
            tid, table = await self._table(tx, name)
            doc = (await self._load(tx, tid, table, key))[1]
        return None if doc is None else loads(doc)

    async def transact_get(self, keys: list[tuple[str, Item]]) -> list[Item | None]:
        async def get(tx: Tx) -> list[Item | None]:
            out = []
            for name, key in keys:
                tid, table = await self._table(tx, name)
                doc = (await self._load(tx, tid, table, key))[1]
                out.append(None if doc is None else loads(doc))
            return out

        return await self._snapshot(get)

    async def _prepare(self, tx: Tx, name: str, key: Item, mutate: Mutation, by_ttl: bool, now: float) -> Prepared:
        tid, table = await self._table(tx, name)
        stored, doc = await self._load(tx, tid, table, key)
        old = None if doc is None else loads(doc)
        new = mutate(None if doc is None else loads(doc))  # its own copy: mutate may change it in place
        return tid, table, plan_write(table, stored, key, old, new, by_ttl=by_ttl, now=now)

    async def _apply(self, tx: Tx, tid: int, table: TableDef, plan: WritePlan) -> None:
        if not plan.changed:
            return
        p, k = self.prefix, plan.key
        if plan.new is None:
            await tx.execute(f"DELETE FROM {p}items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?", tid, k.h, k.pk, k.sk)
        else:
            await self._store(tx, tid, plan, dumps(plan.new))
        for index, e in plan.drop_entries:
            await tx.execute(f"DELETE FROM {p}entries WHERE tid = ? AND idx = ? AND h = ? AND pk = ? AND sk = ? "
                             "AND bpk = ? AND bsk = ?", tid, index, e.h, e.pk, e.sk, k.pk, k.sk)
        for index, e in plan.add_entries:
            await tx.execute(f"INSERT INTO {p}entries (tid, idx, h, pk, sk, bh, bpk, bsk) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             tid, index, e.h, e.pk, e.sk, k.h, k.pk, k.sk)
        if plan.change is not None:
            await self._append_change(tx, tid, table, plan)

    async def write(self, name: str, key: Item, mutate: Mutation, *, by_ttl: bool = False
                    ) -> tuple[Item | None, Item | None]:
        async def write(tx: Tx) -> tuple[Item | None, Item | None]:
            tid, table, plan = await self._prepare(tx, name, key, mutate, by_ttl, time.time())
            await self._apply(tx, tid, table, plan)
            return plan.old, plan.new

        return await self._write(write)

    async def transact_write(self, ops: list[tuple[str, Item, Mutation]]) -> list[tuple[Item | None, Item | None]]:
        async def transact(tx: Tx) -> list[tuple[Item | None, Item | None]]:
            tables = [await self._table(tx, name) for name, _, _ in ops]
            duplicate_items([(tid, stored_key(table.key, key)) for (tid, table), (_, key, _) in zip(tables, ops)])
            now, prepared, errors = time.time(), [], []
            for name, key, mutate in ops:  # every action is evaluated, so every failure gets its reason
                try:
                    prepared.append(await self._prepare(tx, name, key, mutate, False, now))
                    errors.append(None)
                except DynamoError as error:
                    errors.append(error)
            if any(errors):
                raise TransactionCanceledException([cancellation_reason(e) for e in errors])
            # Rows in one global order: concurrent transactions wait on each other instead of deadlocking.
            for tid, table, plan in sorted(prepared, key=lambda p: (p[0], p[2].key.h, p[2].key.pk, p[2].key.sk)):
                await self._apply(tx, tid, table, plan)
            return [(plan.old, plan.new) for _, _, plan in prepared]

        return await self._write(transact)

    # -- reads -------------------------------------------------------------------------------------

    async def _page(self, tx: Tx, read: Read, limit: int | None, page_bytes: int) -> Page:
        pager = Pager(read, limit, page_bytes)
        while True:
            want = pager.next_batch()
            sql, params = read.sql(self.prefix, self.doc, pager.cursor, want)
            rows = await tx.fetch(sql, *params)
            for row in rows:
                if pager.add(tuple(row), loads(row[-2])):
                    return pager.page()
            if len(rows) < want:
                return pager.page()

    async def query(self, name: str, index: str | None, hash_value: dict, range_cond: RangeCondition | None,
                    forward: bool, start_key: Item | None, limit: int | None, page_bytes: int) -> Page:
        async with self._reading() as tx:
            tid, table = await self._table(tx, name)
            read = query_read(table, tid, index, hash_value, range_cond, forward, start_key)
            return await self._page(tx, read, limit, page_bytes)

    async def scan(self, name: str, index: str | None, segment: int, total_segments: int, start_key: Item | None,
                   limit: int | None, page_bytes: int) -> Page:
        async with self._reading() as tx:
            tid, table = await self._table(tx, name)
            read = scan_read(table, tid, index, segment, total_segments, start_key)
            return await self._page(tx, read, limit, page_bytes)

    async def expired(self, name: str, now: float, limit: int) -> list[Item]:
        async with self._reading() as tx:
            tid, table = await self._table(tx, name)
            rows = await tx.fetch(f"SELECT {self.doc} FROM {self.prefix}items i WHERE tid = ? AND ttl IS NOT NULL "
                                  "AND ttl <= ? ORDER BY ttl LIMIT ?", tid, now, limit)
        return [table.key.key_of(loads(doc)) for (doc,) in rows]
