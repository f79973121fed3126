"""Query and Scan for both backends: the SQL (one text, ``?`` placeholders) and DynamoDB's paging rules.

A read is a :class:`Read`: the rows of one partition (Query) or one hash
range (Scan) of the items relation or of one index's entries, in key order.
Rows are fetched in batches that continue after the last row seen (a
keyset cursor), and a :class:`Pager` decides where the page ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from overcast.tables.errors import ValidationException
from overcast.tables.sizes import item_size
from overcast.tables.storage.base import IndexDef, Item, Page, RangeCondition, TableDef
from overcast.tables.storage.keys import (
    BAD_START_KEY,
    hash_bytes,
    partition_hash,
    range_bounds,
    segment_range,
    start_cursor,
)
from overcast.tables.storage.rows import last_key, project

FIRST_BATCH = 64
MAX_BATCH = 1024


@dataclass(frozen=True)
class Read:
    table: TableDef
    index: IndexDef | None
    where: str  # conditions fixed for the whole read
    params: tuple
    cursor_columns: tuple[str, ...]  # the order of the read; the cursor is a row's values of these columns
    forward: bool
    start: tuple | None  # continue after this cursor (from ExclusiveStartKey)

    def sql(self, prefix: str, doc: str, cursor: tuple | None, limit: int | None) -> tuple[str, list]:
        """The SELECT for one batch: rows are (cursor columns..., doc, size)."""
        where, params = self.where, list(self.params)
        if cursor is not None:
            columns = ", ".join(self.cursor_columns)
            marks = ", ".join("?" for _ in cursor)
            where += f" AND ({columns}) {'>' if self.forward else '<'} ({marks})"
            params.extend(cursor)
        order = ", ".join(f"{c} {'ASC' if self.forward else 'DESC'}" for c in self.cursor_columns)
        if self.index is None:
            source = f"{prefix}items i"
        else:
            source = (f"{prefix}entries e JOIN {prefix}items i "
                      "ON i.tid = e.tid AND i.h = e.bh AND i.pk = e.bpk AND i.sk = e.bsk")
        columns = ", ".join(self.cursor_columns)
        sql = f"SELECT {columns}, {doc}, i.size FROM {source} WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return sql, params


def query_read(table: TableDef, tid: int, index_name: str | None, hash_value: dict,
               range_cond: RangeCondition | None, forward: bool, start_key: Item | None) -> Read:
    index = table.named_index(index_name)
    schema = table.key if index is None else index.key
    pk = hash_bytes(schema, hash_value)
    alias = "i" if index is None else "e"
    where = f"{alias}.tid = ? AND {alias}.h = ? AND {alias}.pk = ?"
    params: list = [tid, partition_hash(pk), pk]
    if index is not None:
        where = "e.idx = ? AND " + where
        params.insert(0, index.name)
    for op, raw in range_bounds(range_cond, schema.range_type):
        where += f" AND {alias}.sk {op} ?"
        params.append(raw)
    if index is None:
        columns: tuple[str, ...] = ("i.sk",)
    else:
        columns = ("e.sk", "e.bpk", "e.bsk")
    start = None
    if start_key is not None:
        cursor = start_cursor(table.key, None if index is None else index.key, start_key)
        if cursor[1] != pk:
            raise ValidationException(BAD_START_KEY)
        start = cursor[2:]
    return Read(table, index, where, tuple(params), columns, forward, start)


def scan_read(table: TableDef, tid: int, index_name: str | None, segment: int, total_segments: int,
              start_key: Item | None) -> Read:
    index = table.named_index(index_name)
    low, high = segment_range(segment, total_segments)
    if index is None:
        where, params = "i.tid = ? AND i.h >= ? AND i.h < ?", (tid, low, high)
        columns: tuple[str, ...] = ("i.h", "i.pk", "i.sk")
    else:
        where, params = "e.idx = ? AND e.tid = ? AND e.h >= ? AND e.h < ?", (index.name, tid, low, high)
        columns = ("e.h", "e.pk", "e.sk", "e.bpk", "e.bsk")
    start = None
    if start_key is not None:
        start = start_cursor(table.key, None if index is None else index.key, start_key)
    return Read(table, index, where, params, columns, True, start)


class Pager:
    """Collects one page under DynamoDB's rules.

    ``limit`` counts the items examined; the page also ends after the item
    that brings the page to ``page_bytes`` (1 MB). LastEvaluatedKey is set
    whenever one of these stops the page, even when no item follows
    (DynamoDB does the same: the client learns it is done from an empty page).
    """

    def __init__(self, read: Read, limit: int | None, page_bytes: int) -> None:
        if limit is not None and limit < 1:
            raise ValidationException("Limit must be greater than or equal to 1")
        self.read = read
        self.limit = limit
        self.page_bytes = page_bytes
        self.items: list[Item] = []
        self.bytes = 0
        self.last_key: Item | None = None
        self.cursor = read.start
        self._batch = FIRST_BATCH

    @property
    def full(self) -> bool:
        return self.last_key is not None

    def next_batch(self) -> int:
        """How many rows to fetch next (batches grow: the first page of a small query stays cheap)."""
        size = self._batch
        self._batch = min(self._batch * 4, MAX_BATCH)
        if self.limit is not None:
            size = min(size, self.limit - len(self.items))
        return size

    def add(self, row: tuple, item: Item) -> bool:
        """Add a fetched row (cursor columns..., doc, size) whose doc decoded to ``item``; True when the page is full."""
        index = self.read.index
        shown = item if index is None else project(self.read.table, index, item)
        size = row[-1] if shown is item else item_size(shown)
        self.items.append(shown)
        self.bytes += size
        self.cursor = tuple(row[: len(self.read.cursor_columns)])
        if (self.limit is not None and len(self.items) >= self.limit) or self.bytes >= self.page_bytes:
            self.last_key = last_key(self.read.table, index, item)
        return self.full

    def page(self) -> Page:
        return Page(items=self.items, last_key=self.last_key, scanned=len(self.items))
