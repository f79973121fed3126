"""Table storage: one interface (:class:`~overcast.tables.storage.base.Storage`), two backends chosen by URL.

``sqlite:///abs/path.db`` (the embedded default; ``?synchronous=FULL`` to also
survive power loss; ``sqlite:///:memory:`` for unit tests) or
``postgresql://user@host:port/db[?schema=NAME]`` (scale-out).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from overcast.errors import OvercastError
from overcast.tables.storage.base import (
    Change,
    IndexDef,
    Item,
    KeySchema,
    Mutation,
    Page,
    RangeCondition,
    Storage,
    TableDef,
)

__all__ = [
    "Change",
    "IndexDef",
    "Item",
    "KeySchema",
    "Mutation",
    "Page",
    "RangeCondition",
    "Storage",
    "StorageURLError",
    "TableDef",
    "open_storage",
]


class StorageURLError(OvercastError):
    """A tables storage URL names no supported backend."""

    code = "tables.storage_url"
    http_status = 500


def open_storage(url: str) -> Storage:
    """The backend ``url`` names, not yet opened (``await storage.open()``, or ``async with``)."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "sqlite" and rest.startswith("/"):
        from overcast.tables.storage.sqlite import SqliteStorage

        path, _, query = rest[1:].partition("?") if rest.startswith("/:memory:") else rest.partition("?")
        options = dict(parse_qsl(query))
        unknown = set(options) - {"synchronous"}
        if not unknown and path:
            return SqliteStorage(path, synchronous=options.get("synchronous", "NORMAL"))
    elif scheme in ("postgresql", "postgres") and urlsplit(url).netloc:
        from overcast.tables.storage.postgres import PostgresStorage

        return PostgresStorage(url)
    raise StorageURLError(f"unsupported tables storage URL {url!r}: use sqlite:///ABSOLUTE/PATH.db"
                          "[?synchronous=NORMAL|FULL], sqlite:///:memory: (tests) or "
                          "postgresql://USER@HOST:PORT/DATABASE[?schema=NAME]")
