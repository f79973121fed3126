"""Small builders shared by the storage conformance tests."""

from __future__ import annotations

from overcast.tables.errors import ConditionalCheckFailedException
from overcast.tables.storage.base import IndexDef, KeySchema, TableDef

MB = 1 << 20


def table(name: str, hash_type: str = "S", range_type: str | None = None, **options) -> TableDef:
    key = KeySchema("pk", hash_type, "sk" if range_type else None, range_type)
    return TableDef(name=name, key=key, **{"created_at": 1.0, **options})


def gsi(name: str, hash_key: str, hash_type: str, range_key: str | None = None, range_type: str | None = None,
        projection: str = "ALL", include: tuple[str, ...] = ()) -> IndexDef:
    return IndexDef(name, "GSI", KeySchema(hash_key, hash_type, range_key, range_type), projection, include)


def lsi(name: str, range_key: str, range_type: str, projection: str = "ALL", hash_type: str = "S") -> IndexDef:
    return IndexDef(name, "LSI", KeySchema("pk", hash_type, range_key, range_type), projection)


def key_of(item: dict) -> dict:
    return {k: v for k, v in item.items() if k in ("pk", "sk")}


async def put(storage, name: str, item: dict):
    return await storage.write(name, key_of(item), lambda old: dict(item))


async def delete(storage, name: str, key: dict):
    return await storage.write(name, key, lambda old: None)


def fail_condition(old):
    raise ConditionalCheckFailedException()


async def drain(storage, name: str, index: str | None, hash_value: dict, *, forward: bool = True, cond=None,
                limit: int | None = None, page_bytes: int = MB) -> tuple[list[dict], list]:
    """Every item of a Query, following LastEvaluatedKey; also the list of pages."""
    items, pages, start = [], [], None
    while True:
        page = await storage.query(name, index, hash_value, cond, forward, start, limit, page_bytes)
        items += page.items
        pages.append(page)
        if page.last_key is None:
            return items, pages
        start = page.last_key
        assert len(pages) < 10_000


async def scan_all(storage, name: str, index: str | None = None, segment: int = 0, total: int = 1,
                   limit: int | None = None, page_bytes: int = MB) -> list[dict]:
    items, start = [], None
    while True:
        page = await storage.scan(name, index, segment, total, start, limit, page_bytes)
        items += page.items
        if page.last_key is None:
            return items
        start = page.last_key
