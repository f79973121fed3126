"""The storage interface behind overcast's DynamoDB-compatible tables.

Two implementations, chosen by URL: SQLite in WAL mode (``sqlite:///path``,
the embedded default) and PostgreSQL (``postgresql://...``, scale-out). Both
store an item once per table in a primary relation keyed by the
order-preserving bytes of its key values (:func:`overcast.tables.values.sort_key_bytes`),
so ``ORDER BY`` on those columns is DynamoDB's key order, plus one entry per
secondary index the item belongs to. Every write happens in one database
transaction together with its change record (the outbox the change-stream
relay publishes from), so a rolled-back write emits nothing.

All values are DynamoDB wire JSON (``{"S": "x"}``...). Errors are the
``overcast.tables.errors`` classes, so callers can answer like DynamoDB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from overcast.tables.errors import ValidationException

Item = dict[str, dict]


@dataclass(frozen=True)
class KeySchema:
    hash_key: str
    hash_type: str  # "S" | "N" | "B"
    range_key: str | None = None
    range_type: str | None = None

    def key_of(self, item: Item) -> Item:
        key = {self.hash_key: item[self.hash_key]}
        if self.range_key is not None:
            key[self.range_key] = item[self.range_key]
        return key


@dataclass(frozen=True)
class IndexDef:
    name: str
    kind: str  # "GSI" | "LSI"
    key: KeySchema
    projection: str = "ALL"  # "ALL" | "KEYS_ONLY" | "INCLUDE"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDef:
    name: str
    key: KeySchema
    indexes: tuple[IndexDef, ...] = ()
    stream_view: str | None = None  # NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES | KEYS_ONLY | None
    ttl_attribute: str | None = None
    created_at: float = 0.0
    owner: str = ""  # the principal (stack) that owns the table
    attribute_types: dict[str, str] = field(default_factory=dict)  # AttributeDefinitions

    def index(self, name: str) -> IndexDef | None:
        return next((i for i in self.indexes if i.name == name), None)

    def named_index(self, name: str | None) -> IndexDef | None:
        """The index a request names (None when it names none); ValidationException when there is no such index."""
        if name is None:
            return None
        index = self.index(name)
        if index is None:
            raise ValidationException(f"The table does not have the specified index: {name}")
        return index


@dataclass(frozen=True)
class RangeCondition:
    """A sort-key condition of a Query: op is one of = < <= > >= BETWEEN begins_with."""

    op: str
    values: tuple[dict, ...]


@dataclass
class Page:
    items: list[Item]
    last_key: Item | None  # LastEvaluatedKey (table key + index key when querying an index)
    scanned: int = 0


@dataclass(frozen=True)
class Change:
    """One committed write, as the change stream reports it."""

    table: str
    event: str  # INSERT | MODIFY | REMOVE
    keys: Item
    old: Item | None
    new: Item | None
    sequence: int  # increasing per table
    at: float  # commit time, epoch seconds
    by_ttl: bool = False


# mutate(old item or None) -> new item, or None to delete; it may raise a DynamoError to abort.
Mutation = Callable[[Item | None], Item | None]


class Storage(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def create_table(self, table: TableDef) -> TableDef: ...
    async def describe_table(self, name: str) -> TableDef: ...
    async def list_tables(self, start_after: str | None, limit: int) -> tuple[list[str], str | None]: ...
    async def delete_table(self, name: str) -> TableDef: ...
    async def update_table(self, table: TableDef) -> TableDef: ...
    async def item_count(self, name: str) -> tuple[int, int]: ...  # (items, bytes)

    async def get_item(self, name: str, key: Item) -> Item | None: ...
    async def write(self, name: str, key: Item, mutate: Mutation, *, by_ttl: bool = False) -> tuple[Item | None, Item | None]: ...
    async def transact_write(self, ops: list[tuple[str, Item, Mutation]]) -> list[tuple[Item | None, Item | None]]: ...
    async def transact_get(self, keys: list[tuple[str, Item]]) -> list[Item | None]: ...

    async def query(self, name: str, index: str | None, hash_value: dict, range_cond: RangeCondition | None,
                    forward: bool, start_key: Item | None, limit: int | None, page_bytes: int) -> Page: ...
    async def scan(self, name: str, index: str | None, segment: int, total_segments: int, start_key: Item | None,
                   limit: int | None, page_bytes: int) -> Page: ...

    async def expired(self, name: str, now: float, limit: int) -> list[Item]: ...  # keys of items past their TTL
    async def changes(self, after: int, limit: int) -> list[tuple[int, Change]]: ...  # outbox, oldest first
    async def ack_changes(self, upto: int) -> None: ...
