"""Choosing a backend by URL."""

from __future__ import annotations

import pytest

from overcast.tables.storage import StorageURLError, open_storage
from overcast.tables.storage.postgres import PostgresStorage
from overcast.tables.storage.sqlite import SqliteStorage


def test_sqlite_urls():
    storage = open_storage("sqlite:///var/lib/overcast/tables.db")
    assert isinstance(storage, SqliteStorage)
    assert storage.path == "/var/lib/overcast/tables.db" and storage.synchronous == "NORMAL"
    assert open_storage("sqlite:////abs.db?synchronous=FULL").synchronous == "FULL"
    assert open_storage("sqlite:///:memory:").path == ":memory:"


def test_postgres_urls():
    storage = open_storage("postgresql://u:p@db.example:5433/app?schema=tenant_1&sslmode=disable")
    assert isinstance(storage, PostgresStorage)
    assert storage.schema == "tenant_1"
    assert storage.dsn == "postgresql://u:p@db.example:5433/app?sslmode=disable"
    assert open_storage("postgres://localhost/app").schema == "overcast"
    assert PostgresStorage("postgresql://localhost/app?schema=a", schema="b").schema == "b"
    with pytest.raises(ValueError):
        PostgresStorage("postgresql://localhost/app?schema=bad-name")


@pytest.mark.parametrize("url", ["mysql://localhost/db", "sqlite://relative.db", "sqlite:///x.db?journal=off",
                                 "tables.db", "", "postgresql:///no-host"])
def test_unsupported_urls_are_clear_errors(url):
    with pytest.raises(StorageURLError) as error:
        open_storage(url)
    assert "sqlite:///" in error.value.message and "postgresql://" in error.value.message
