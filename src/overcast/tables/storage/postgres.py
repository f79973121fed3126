"""The scale-out backend: PostgreSQL through an asyncpg pool (``postgresql://...[?schema=NAME]``).

Every write is one SERIALIZABLE transaction, retried on serialization
failures and deadlocks. SERIALIZABLE rather than REPEATABLE READ + ``SELECT
... FOR UPDATE`` because a write's condition may depend on an item that does
not exist (``attribute_not_exists``) or that the transaction only checks
(TransactWriteItems' ConditionCheck): row locks cannot lock a missing row or
stop write skew, predicate locks do. It is also the isolation the distributed
PostgreSQL-compatible engines run by default. Consequence for callers: on a
retry ``mutate`` runs again, so it must be a pure function of the old item.
Relations and the change-feed ordering are described in :mod:`.postgres_schema`.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from overcast.tables.errors import DynamoError
from overcast.tables.storage.base import Change, TableDef
from overcast.tables.storage.postgres_schema import BOOTSTRAP_RACES, DDL, doc_columns, numbered, quoted_schema
from overcast.tables.storage.relational import SqlStorage
from overcast.tables.storage.rows import WritePlan, change_from, dumps

RETRYABLE = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError, asyncpg.UniqueViolationError)
MAX_ATTEMPTS = 200

_numbered = lru_cache(maxsize=4096)(numbered)


class TransactionConflictException(DynamoError):
    """A write kept conflicting with concurrent transactions until the retry budget ran out."""

    code = "tables.transaction_conflict"
    aws_name = "TransactionConflictException"


class _Tx:
    """The shared code's transaction interface on an asyncpg connection (``?`` placeholders)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, *args: Any) -> list:
        return await self.conn.fetch(_numbered(sql), *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchrow(_numbered(sql), *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchval(_numbered(sql), *args)

    async def execute(self, sql: str, *args: Any) -> None:
        await self.conn.execute(_numbered(sql), *args)

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        await self.conn.executemany(_numbered(sql), rows)


class PostgresStorage(SqlStorage):
    """Tables in a PostgreSQL schema. See the module docstring."""

    doc = "COALESCE(i.doc::text, i.doc_text)"

    def __init__(self, url: str, *, schema: str | None = None, min_connections: int = 1,
                 max_connections: int = 10) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = schema or query.pop("schema", None) or "overcast"
        query.pop("schema", None)
        self.dsn = urlunsplit(parts._replace(query=urlencode(query)))
        self.prefix = quoted_schema(self.schema) + "."
        self._sizes = (min_connections, max_connections)
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(self.dsn, min_size=self._sizes[0], max_size=self._sizes[1])
        try:
            for attempt in range(10):
                try:
                    async with pool.acquire() as conn, conn.transaction():
                        await conn.execute(DDL.format(s=self.prefix[:-1]))
                    break
                except BOOTSTRAP_RACES:
                    await asyncio.sleep(0.02 * (attempt + 1))
            else:
                raise RuntimeError(f"could not create the tables schema {self.schema}")
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def __aenter__(self) -> PostgresStorage:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("PostgresStorage is not open")
        return self._pool

    async def _serializable(self, body, *, readonly: bool = False):
        """``await body(tx)`` in a SERIALIZABLE transaction, retried with jittered backoff on conflicts."""
        delay = 0.002
        for _ in range(MAX_ATTEMPTS):
            async with self.pool.acquire() as conn:
                try:
                    async with conn.transaction(isolation="serializable", readonly=readonly):
                        return await body(_Tx(conn))
                except RETRYABLE:
                    pass
            await asyncio.sleep(random.uniform(0, delay))
            delay = min(delay * 2, 0.1)
        raise TransactionConflictException("Transaction is ongoing for the item")

    async def _write(self, body):
        return await self._serializable(body)

    async def _snapshot(self, body):
        return await self._serializable(body, readonly=True)

    @asynccontextmanager
    async def _reading(self):
        async with self.pool.acquire() as conn:
            yield _Tx(conn)

    async def _store(self, tx: _Tx, tid: int, plan: WritePlan, doc: str) -> None:
        k = plan.key
        await tx.execute(
            f"INSERT INTO {self.prefix}items (tid, h, pk, sk, doc, doc_text, size, ttl) "
            "VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?) ON CONFLICT (tid, h, pk, sk) DO UPDATE SET "
            "doc = EXCLUDED.doc, doc_text = EXCLUDED.doc_text, size = EXCLUDED.size, ttl = EXCLUDED.ttl",
            tid, k.h, k.pk, k.sk, *doc_columns(doc), plan.size, plan.ttl)

    async def _append_change(self, tx: _Tx, tid: int, table: TableDef, plan: WritePlan) -> None:
        # No stamp and no sequence yet: the relay assigns both in commit order (see postgres_schema).
        await tx.execute(f"INSERT INTO {self.prefix}outbox (tid, tbl, change) VALUES (?, ?, ?)",
                         tid, table.name, dumps(plan.change))

    async def _stamp(self, conn: asyncpg.Connection, limit: int) -> None:
        """Give committed, unstamped outbox rows their feed position and per-table sequence."""
        p = self.prefix
        async with conn.transaction():  # READ COMMITTED: after the lock, each statement sees the latest commits
            stamp = await conn.fetchval(f"SELECT value FROM {p}counters WHERE name = 'outbox' FOR UPDATE")
            pending = await conn.fetch(f"SELECT id, tid FROM {p}outbox WHERE stamp IS NULL ORDER BY id LIMIT $1",
                                       limit)
            if not pending:
                return
            names = sorted({f"seq:{r['tid']}" for r in pending})
            seqs = dict(await conn.fetch(f"SELECT name, value FROM {p}counters WHERE name = ANY($1::text[])", names))
            ids, stamps, numbers = [], [], []
            for row in pending:
                stamp += 1
                name = f"seq:{row['tid']}"
                seqs[name] = seqs.get(name, 0) + 1
                ids.append(row["id"])
                stamps.append(stamp)
                numbers.append(seqs[name])
            await conn.execute(f"UPDATE {p}outbox o SET stamp = v.stamp, seq = v.seq FROM unnest($1::bigint[], "
                               "$2::bigint[], $3::bigint[]) AS v(id, stamp, seq) WHERE o.id = v.id",
                               ids, stamps, numbers)
            seqs["outbox"] = stamp
            await conn.executemany(f"INSERT INTO {p}counters (name, value) VALUES ($1, $2) ON CONFLICT (name) "
                                   "DO UPDATE SET value = EXCLUDED.value", [(n, seqs[n]) for n in names + ["outbox"]])

    async def changes(self, after: int, limit: int) -> list[tuple[int, Change]]:
        async with self.pool.acquire() as conn:
            await self._stamp(conn, limit)
            rows = await conn.fetch(f"SELECT stamp, tbl, seq, change FROM {self.prefix}outbox WHERE stamp > $1 "
                                    "ORDER BY stamp LIMIT $2", after, limit)
        return [(stamp, change_from(tbl, seq, change)) for stamp, tbl, seq, change in rows]

    async def ack_changes(self, upto: int) -> None:
        await self.pool.execute(f"DELETE FROM {self.prefix}outbox WHERE stamp <= $1", upto)
