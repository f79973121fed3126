"""What a write stores, computed once for both backends (pure: no I/O).

:func:`plan_write` turns ``(old, new)`` into the rows to change: the item row
(its size, TTL), the index entries to delete and insert, and the change
record for the outbox. The backends only execute the plan.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import orjson

from overcast.tables.comparison import equals
from overcast.tables.errors import ConditionalCheckFailedException, DynamoError, ValidationException
from overcast.tables.sizes import check_item_size
from overcast.tables.storage.base import Change, IndexDef, Item, KeySchema, TableDef
from overcast.tables.storage.keys import StoredKey, index_key
from overcast.tables.values import normalize_item

KEY_CHANGED = "One or more parameter values were invalid: The item's key attributes do not match its key"
# Which images a change record keeps, by StreamViewType.
_IMAGES = {"KEYS_ONLY": (False, False), "NEW_IMAGE": (False, True), "OLD_IMAGE": (True, False),
           "NEW_AND_OLD_IMAGES": (True, True)}


def dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | bytes) -> object:
    return orjson.loads(text)


def table_to_json(table: TableDef) -> str:
    return dumps(asdict(table))


@lru_cache(maxsize=1024)
def table_from_json(text: str) -> TableDef:
    """The TableDef stored as ``text`` (cached: the catalogue is read on every request; do not mutate)."""
    data = loads(text)

    def key(d: dict) -> KeySchema:
        return KeySchema(**d)

    indexes = tuple(
        IndexDef(name=i["name"], kind=i["kind"], key=key(i["key"]), projection=i["projection"],
                 non_key_attributes=tuple(i["non_key_attributes"]))
        for i in data["indexes"]
    )
    return TableDef(**{**data, "key": key(data["key"]), "indexes": indexes})


def same_item(a: Item | None, b: Item | None) -> bool:
    """Whether two items hold the same data (DynamoDB equality: numbers by value, sets unordered)."""
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(equals(v, b[k]) for k, v in a.items())


def key_names(table: TableDef, index: IndexDef | None = None) -> list[str]:
    names = [table.key.hash_key] + ([table.key.range_key] if table.key.range_key else [])
    if index is not None:
        for name in (index.key.hash_key, index.key.range_key):
            if name is not None and name not in names:
                names.append(name)
    return names


def last_key(table: TableDef, index: IndexDef | None, item: Item) -> Item:
    """LastEvaluatedKey for ``item``: the table key, plus the index key when reading an index."""
    return {name: item[name] for name in key_names(table, index)}


def project(table: TableDef, index: IndexDef, item: Item) -> Item:
    """The item as the index holds it (its projection)."""
    if index.projection == "ALL":
        return item
    wanted = set(key_names(table, index))
    if index.projection == "INCLUDE":
        wanted.update(index.non_key_attributes)
    return {name: av for name, av in item.items() if name in wanted}


def index_entries(table: TableDef, item: Item | None) -> dict[str, StoredKey]:
    """Index name -> the item's key in that index, for the indexes the item belongs to."""
    if item is None:
        return {}
    entries = {}
    for index in table.indexes:
        key = index_key(index.key, item)
        if key is not None:
            entries[index.name] = key
    return entries


def ttl_of(table: TableDef, item: Item | None) -> float | None:
    """The item's expiry (epoch seconds) when the table has TTL and the attribute is a number."""
    if item is None or not table.ttl_attribute:
        return None
    value = item.get(table.ttl_attribute)
    if not isinstance(value, dict) or "N" not in value:
        return None
    return float(Decimal(value["N"]))


@dataclass
class WritePlan:
    key: StoredKey
    old: Item | None
    new: Item | None
    changed: bool
    size: int = 0
    ttl: float | None = None
    drop_entries: list[tuple[str, StoredKey]] = field(default_factory=list)
    add_entries: list[tuple[str, StoredKey]] = field(default_factory=list)
    change: dict | None = None  # the outbox record, when the table has a stream and the item changed


def plan_write(table: TableDef, key: StoredKey, key_item: Item, old: Item | None, new: Item | None,
               *, by_ttl: bool, now: float) -> WritePlan:
    """Check ``new`` (its key must be ``key_item``, its size within 400 KB) and plan the rows to change.

    A write that changes nothing plans nothing (DynamoDB writes no stream
    record for a put or update that leaves the item as it was).
    """
    if new is not None:
        if not isinstance(new, dict) or any(name not in new or not equals(new[name], value)
                                            for name, value in key_item.items()):
            raise ValidationException(KEY_CHANGED)
        new = normalize_item(new)
        size = check_item_size(new)
    else:
        size = 0
    if same_item(old, new):
        return WritePlan(key, old, old, changed=False)
    plan = WritePlan(key, old, new, changed=True, size=size, ttl=ttl_of(table, new))
    before, after = index_entries(table, old), index_entries(table, new)
    for name, entry in before.items():
        if after.get(name) != entry:
            plan.drop_entries.append((name, entry))
    for name, entry in after.items():
        if before.get(name) != entry:
            plan.add_entries.append((name, entry))
    if table.stream_view:
        keep_old, keep_new = _IMAGES.get(table.stream_view, (True, True))
        event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        plan.change = {
            "event": event,
            "keys": last_key(table, None, new if new is not None else old),
            "old": old if keep_old else None,
            "new": new if keep_new else None,
            "at": now,
            "by_ttl": bool(by_ttl and event == "REMOVE"),
        }
    return plan


def change_from(table: str, sequence: int, record: str | bytes) -> Change:
    data = loads(record)
    return Change(table=table, event=data["event"], keys=data["keys"], old=data["old"], new=data["new"],
                  sequence=sequence, at=data["at"], by_ttl=data["by_ttl"])


def cancellation_reason(error: DynamoError | None) -> dict:
    """One entry of TransactionCanceledException's reasons, shaped like DynamoDB's CancellationReason."""
    if error is None:
        return {"Code": "None"}
    if isinstance(error, ConditionalCheckFailedException):
        reason = {"Code": "ConditionalCheckFailed", "Message": error.message}
        if error.item is not None:
            reason["Item"] = error.item
        return reason
    if isinstance(error, ValidationException):
        return {"Code": "ValidationError", "Message": error.message}
    name = error.aws_name or "InternalServerError"
    return {"Code": name.removesuffix("Exception"), "Message": error.message}


def duplicate_items(keys: list[tuple[int, StoredKey]]) -> None:
    """DynamoDB refuses a transaction with two actions on one item."""
    if len(set(keys)) != len(keys):
        raise ValidationException("Transaction request cannot include multiple operations on one item")


def check_update(old: TableDef, new: TableDef) -> tuple[TableDef, set[str], bool]:
    """The TableDef to store for UpdateTable, the indexes to (re)build and whether TTL values must be recomputed.

    The key schema cannot change; the creation time is kept. An index that is
    new or whose definition changed is rebuilt from the items.
    """
    if new.key != old.key:
        raise ValidationException("The key schema of a table cannot be updated")
    new = replace(new, created_at=old.created_at)
    before = {i.name: i for i in old.indexes}
    rebuild = {i.name for i in new.indexes if before.get(i.name) != i}
    rebuild |= set(before) - {i.name for i in new.indexes}  # dropped: their entries are deleted, none added
    return new, rebuild, new.ttl_attribute != old.ttl_attribute
