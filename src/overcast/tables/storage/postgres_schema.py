"""The PostgreSQL relations of the tables backend, in one schema (``?schema=NAME``, default ``overcast``).

Same logical layout as the SQLite backend. Only plain SQL that
PostgreSQL-compatible distributed engines also accept: no advisory locks,
no LISTEN/NOTIFY, no extensions.

Items are JSONB (``doc``). JSONB cannot hold U+0000, which DynamoDB strings
may contain: such an item keeps its JSON text in ``doc_text`` instead (readers
take ``COALESCE(doc::text, doc_text)``).

Outbox rows get their position in the change feed (``stamp``) and their
per-table ``seq`` when the relay first reads them, not when they are written:
a BIGSERIAL taken inside a writing transaction is not in commit order (a
transaction holding id 5 may commit after the relay has passed id 6), while
rows stamped under the relay's lock, oldest visible first, are.
"""

from __future__ import annotations

import re

import asyncpg

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")
# Racing bootstraps (two processes opening the same schema) fail on these; the retry finds the objects.
BOOTSTRAP_RACES = (asyncpg.UniqueViolationError, asyncpg.DuplicateTableError, asyncpg.DuplicateSchemaError,
                   asyncpg.DuplicateObjectError, asyncpg.SerializationError)

DDL = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.tables (
  tid BIGSERIAL PRIMARY KEY, name TEXT COLLATE "C" NOT NULL UNIQUE, def TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.items (
  tid BIGINT NOT NULL, h BIGINT NOT NULL, pk BYTEA NOT NULL, sk BYTEA NOT NULL,
  doc JSONB, doc_text TEXT, size INTEGER NOT NULL, ttl DOUBLE PRECISION,
  PRIMARY KEY (tid, h, pk, sk));
CREATE INDEX IF NOT EXISTS items_ttl ON {s}.items (tid, ttl) WHERE ttl IS NOT NULL;
CREATE TABLE IF NOT EXISTS {s}.entries (
  tid BIGINT NOT NULL, idx TEXT NOT NULL, h BIGINT NOT NULL, pk BYTEA NOT NULL, sk BYTEA NOT NULL,
  bh BIGINT NOT NULL, bpk BYTEA NOT NULL, bsk BYTEA NOT NULL,
  PRIMARY KEY (tid, idx, h, pk, sk, bpk, bsk));
CREATE TABLE IF NOT EXISTS {s}.outbox (
  id BIGSERIAL PRIMARY KEY, tid BIGINT NOT NULL, tbl TEXT NOT NULL, stamp BIGINT, seq BIGINT,
  change TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_stamp ON {s}.outbox (stamp) WHERE stamp IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_pending ON {s}.outbox (id) WHERE stamp IS NULL;
CREATE INDEX IF NOT EXISTS outbox_tid ON {s}.outbox (tid);
-- Per-table change sequences (seq:<tid>) and the feed position of the last stamped outbox row (outbox).
CREATE TABLE IF NOT EXISTS {s}.counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO {s}.counters (name, value) VALUES ('outbox', 0) ON CONFLICT (name) DO NOTHING;
"""


def quoted_schema(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"invalid PostgreSQL schema name {name!r}: letters, digits and _ only")
    return f'"{name}"'


def numbered(sql: str) -> str:
    """``?`` placeholders (the shared read SQL) as PostgreSQL's ``$1, $2, ...``."""
    parts = sql.split("?")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], start=1):
        out.append(f"${n}{part}")
    return "".join(out)


def doc_columns(text: str) -> tuple[str | None, str | None]:
    """(doc, doc_text) to store for an item's JSON text."""
    if "\\u0000" in text:
        return None, text
    return text, None
