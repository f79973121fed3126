"""The embedded backend: one SQLite file in WAL mode (``sqlite:///abs/path.db``).

One connection, used from the event loop's thread. SQLite calls return
without suspending, so a transaction never interleaves with another task
(a lock makes that explicit), and each write is one ``BEGIN IMMEDIATE``
transaction, so it is also atomic against other processes opening the file.

Durability: WAL with ``synchronous=NORMAL`` by default. A commit is appended
to the WAL with ``write()`` before the call returns, so it is in the operating
system's page cache and survives a ``kill -9`` of the process (the promise the
platform makes); only an OS crash or power loss can lose the last few commits,
and the database stays consistent even then. ``synchronous=FULL`` (URL
``?synchronous=FULL``) also fsyncs every commit, for power-loss durability.

The outbox id is the change feed position: writes are serialized by SQLite's
write lock, so ids (AUTOINCREMENT: never reused, even after acks empty the
outbox) and per-table sequences are assigned in commit order.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from contextlib import asynccontextmanager
from typing import Any

from overcast.tables.storage.base import Change, TableDef
from overcast.tables.storage.relational import SqlStorage
from overcast.tables.storage.rows import WritePlan, change_from, dumps

SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (tid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, def TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
  tid INTEGER NOT NULL, h INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,
  doc TEXT NOT NULL, size INTEGER NOT NULL, ttl REAL);
CREATE UNIQUE INDEX IF NOT EXISTS items_key ON items (tid, h, pk, sk);
CREATE INDEX IF NOT EXISTS items_ttl ON items (tid, ttl) WHERE ttl IS NOT NULL;
CREATE TABLE IF NOT EXISTS entries (
  tid INTEGER NOT NULL, idx TEXT NOT NULL, h INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,
  bh INTEGER NOT NULL, bpk BLOB NOT NULL, bsk BLOB NOT NULL,
  PRIMARY KEY (tid, idx, h, pk, sk, bpk, bsk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, tid INTEGER NOT NULL, tbl TEXT NOT NULL, seq INTEGER NOT NULL,
  change TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_tid ON outbox (tid);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class _Tx:
    """The shared code's transaction interface on a sqlite3 connection (calls never suspend)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    async def fetch(self, sql: str, *args: Any) -> list:
        return self.db.execute(sql, args).fetchall()

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        return self.db.execute(sql, args).fetchone()

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = self.db.execute(sql, args).fetchone()
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: Any) -> None:
        self.db.execute(sql, args)

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.db.executemany(sql, rows)


class SqliteStorage(SqlStorage):
    """Tables in one SQLite file (``":memory:"`` for unit tests). See the module docstring."""

    def __init__(self, path: str, *, synchronous: str = "NORMAL", busy_timeout: float = 5.0) -> None:
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be NORMAL, FULL or EXTRA, not {synchronous!r}")
        self.path = path
        self.synchronous = synchronous.upper()
        self.busy_timeout = busy_timeout
        self._db: sqlite3.Connection | None = None
        self._tx: _Tx | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self._db is not None:
            return
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self.synchronous}")
        db.executescript(SCHEMA)
        self._db, self._tx = db, _Tx(db)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = self._tx = None

    async def __aenter__(self) -> SqliteStorage:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("SqliteStorage is not open")
        return self._db

    async def _transaction(self, begin: str, body):
        async with self._lock:
            self.db.execute(begin)
            try:
                result = await body(self._tx)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return result

    async def _write(self, body):
        return await self._transaction("BEGIN IMMEDIATE", body)

    async def _snapshot(self, body):
        return await self._transaction("BEGIN", body)

    @asynccontextmanager
    async def _reading(self):
        _ = self.db  # raises when closed
        yield self._tx

    async def _store(self, tx: _Tx, tid: int, plan: WritePlan, doc: str) -> None:
        k = plan.key
        await tx.execute("INSERT INTO items (tid, h, pk, sk, doc, size, ttl) VALUES (?, ?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT (tid, h, pk, sk) DO UPDATE SET doc = excluded.doc, size = excluded.size, "
                         "ttl = excluded.ttl", tid, k.h, k.pk, k.sk, doc, plan.size, plan.ttl)

    async def _append_change(self, tx: _Tx, tid: int, table: TableDef, plan: WritePlan) -> None:
        name = f"seq:{tid}"
        await tx.execute("INSERT INTO counters (name, value) VALUES (?, 1) "
                         "ON CONFLICT (name) DO UPDATE SET value = value + 1", name)
        seq = await tx.fetchval("SELECT value FROM counters WHERE name = ?", name)
        await tx.execute("INSERT INTO outbox (tid, tbl, seq, change) VALUES (?, ?, ?, ?)",
                         tid, table.name, seq, dumps(plan.change))

    async def changes(self, after: int, limit: int) -> list[tuple[int, Change]]:
        rows = self.db.execute("SELECT id, tbl, seq, change FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                               (after, limit)).fetchall()
        return [(id_, change_from(tbl, seq, change)) for id_, tbl, seq, change in rows]

    async def ack_changes(self, upto: int) -> None:
        await self._write(lambda tx: tx.execute("DELETE FROM outbox WHERE id <= ?", upto))
