"""Keys as both backends store them: order-preserving bytes, a partition hash, sort-key bounds.

An item is stored under ``(h, pk, sk)``: ``pk`` and ``sk`` are
:func:`~overcast.tables.values.sort_key_bytes` of its hash and range key
values (``sk`` is ``b""`` when the table has no range key) and ``h`` is a
32-bit hash of ``pk``. Rows are ordered by ``(h, pk, sk)``: the items of one
partition are contiguous and in sort-key order (Query), and a Scan segment is a
range of ``h``, so every item falls in exactly one segment. Secondary index
entries use the same triple for the index key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from overcast.tables.comparison import sort_key_bytes, type_of
from overcast.tables.errors import ValidationException
from overcast.tables.sizes import value_size
from overcast.tables.storage.base import Item, KeySchema, RangeCondition
from overcast.tables.values import validate

HASH_SPACE = 1 << 32
MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024
KEY_MISMATCH = "The provided key element does not match the schema"
BAD_START_KEY = "The provided starting key is invalid"
TYPE_MISMATCH = "One or more parameter values were invalid: Condition parameter type does not match schema type"


@dataclass(frozen=True)
class StoredKey:
    h: int
    pk: bytes
    sk: bytes


def partition_hash(pk: bytes) -> int:
    """A stable 32-bit hash of the partition key bytes (the same in every process and backend)."""
    return int.from_bytes(hashlib.blake2b(pk, digest_size=4).digest(), "big")


def segment_range(segment: int, total_segments: int) -> tuple[int, int]:
    """The half-open range of partition hashes that Scan segment ``segment`` of ``total_segments`` covers."""
    if total_segments < 1 or not 0 <= segment < total_segments:
        raise ValidationException(f"Invalid segment {segment} of {total_segments}")
    return segment * HASH_SPACE // total_segments, (segment + 1) * HASH_SPACE // total_segments


def _key_bytes(name: str, expected: str | None, value: dict | None, limit: int, role: str) -> bytes:
    if value is None or not isinstance(value, dict) or len(value) != 1 or type_of(value) != expected:
        raise ValidationException(KEY_MISMATCH)
    validate(value)
    raw = sort_key_bytes(value)
    if not raw and expected in ("S", "B"):
        raise ValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty {'string' if expected == 'S' else 'binary'} value. Key: {name}"
        )
    if value_size(value) > limit:
        raise ValidationException(
            "One or more parameter values were invalid: "
            + (f"Size of hashkey has exceeded the maximum size limit of {limit} bytes" if role == "hash" else
               f"Aggregated size of all range keys has exceeded the size limit of {limit} bytes")
        )
    return raw


def hash_bytes(schema: KeySchema, value: dict) -> bytes:
    """The partition key bytes of a hash key value (ValidationException when it has the wrong type)."""
    return _key_bytes(schema.hash_key, schema.hash_type, value, MAX_HASH_KEY_BYTES, "hash")


def stored_key(schema: KeySchema, key: Item, *, exact: bool = True) -> StoredKey:
    """The stored key of ``key`` under ``schema``; ValidationException when it does not match.

    ``exact`` also rejects attributes that are not part of the key (a request's Key);
    without it extra attributes are ignored (an ExclusiveStartKey of an index query).
    """
    if not isinstance(key, dict):
        raise ValidationException(KEY_MISMATCH)
    pk = hash_bytes(schema, key.get(schema.hash_key))
    sk = b""
    if schema.range_key is not None:
        sk = _key_bytes(schema.range_key, schema.range_type, key.get(schema.range_key), MAX_RANGE_KEY_BYTES, "range")
    if exact and len(key) != (1 if schema.range_key is None else 2):
        raise ValidationException(KEY_MISMATCH)
    return StoredKey(partition_hash(pk), pk, sk)


def index_key(schema: KeySchema, item: Item) -> StoredKey | None:
    """The index key of ``item``, or None when the item is not in the (sparse) index.

    An item is indexed only when it has every index key attribute, each with
    the declared type and a non-empty value.
    """
    values = [(schema.hash_key, schema.hash_type)]
    if schema.range_key is not None:
        values.append((schema.range_key, schema.range_type))
    parts = []
    for name, expected in values:
        value = item.get(name)
        if value is None or type_of(value) != expected:
            return None
        raw = sort_key_bytes(value)
        if not raw and expected in ("S", "B"):
            return None
        parts.append(raw)
    pk = parts[0]
    return StoredKey(partition_hash(pk), pk, parts[1] if len(parts) > 1 else b"")


def start_cursor(table_schema: KeySchema, index_schema: KeySchema | None, start_key: Item) -> tuple:
    """The row position after which a page starts, from an ExclusiveStartKey.

    Table: ``(h, pk, sk)``; index: ``(h, pk, sk, base pk, base sk)``. Query uses
    the tail of it (the partition is fixed by the key condition).
    """
    try:
        base = stored_key(table_schema, start_key, exact=index_schema is None)
        if index_schema is None:
            return (base.h, base.pk, base.sk)
        entry = stored_key(index_schema, start_key, exact=False)
    except ValidationException:
        raise ValidationException(BAD_START_KEY) from None
    return (entry.h, entry.pk, entry.sk, base.pk, base.sk)


def prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix`` (None: no bound)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def range_bounds(cond: RangeCondition | None, range_type: str | None) -> list[tuple[str, bytes]]:
    """A sort-key condition as comparisons on the stored sort-key bytes: ``[(op, bytes), ...]``.

    The encodings preserve order, and S (UTF-8) and B (raw) encodings also
    preserve prefixes, so ``begins_with`` is the byte range ``[p, successor(p))``.
    """
    if cond is None:
        return []
    if range_type is None:
        raise ValidationException("Query key condition not supported")
    if not cond.values or any(type_of(v) != range_type for v in cond.values):
        raise ValidationException(TYPE_MISMATCH)
    raw = [sort_key_bytes(v) for v in cond.values]
    if cond.op in ("=", "<", "<=", ">", ">="):
        return [(cond.op, raw[0])]
    if cond.op == "BETWEEN":
        if len(raw) != 2:
            raise ValidationException("BETWEEN needs two values")
        return [(">=", raw[0]), ("<=", raw[1])]
    if cond.op == "begins_with":
        if range_type not in ("S", "B"):
            raise ValidationException(f"Invalid KeyConditionExpression: Incorrect operand type for operator or "
                                      f"function; operator or function: begins_with, operand type: {range_type}")
        upper = prefix_successor(raw[0])
        return [(">=", raw[0])] + ([("<", upper)] if upper is not None else [])
    raise ValidationException(f"Unsupported key condition operator: {cond.op}")
