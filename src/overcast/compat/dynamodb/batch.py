"""BatchGetItem and BatchWriteItem: many keys, several tables, one request; not transactional (as in AWS).

UnprocessedKeys / UnprocessedItems: overcast has no provisioned throughput to
run out of, so it processes everything it can and leaves these maps empty,
with two exceptions that follow DynamoDB's documented contract:

* BatchGetItem stops adding items once the response would exceed 16 MB; the
  keys it did not return come back in UnprocessedKeys (with the table's
  ProjectionExpression, ExpressionAttributeNames and ConsistentRead, so the
  map can be sent again as RequestItems);
* BatchWriteItem returns a write that kept losing serialization conflicts
  (PostgreSQL's retry budget ran out), and every write after it, in
  UnprocessedItems instead of failing the whole call.

Every key and item is validated before anything is read or written, so a
bad entry fails the call without side effects, as in AWS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from overcast.compat.dynamodb.items import check_key_values, read_units, write_units
from overcast.tables import expressions as ex
from overcast.tables.errors import DynamoError, ValidationException
from overcast.tables.sizes import check_item_size, item_size
from overcast.tables.storage.base import Storage, TableDef
from overcast.tables.storage.keys import stored_key
from overcast.tables.values import validate_item

Resolve = Callable[[str], Awaitable[TableDef]]  # table name -> TableDef this principal may use
MAX_GET_KEYS, MAX_WRITES = 100, 25
RESPONSE_BYTES = 16 * 1024 * 1024
DUPLICATES = "Provided list of item keys contains duplicates"
# Storage errors after which a write is reported unprocessed (retry later) rather than failing the call.
RETRY_LATER = ("TransactionConflictException", "ThrottlingException", "ProvisionedThroughputExceededException")


def invalid(where: str, value: object, constraint: str) -> ValidationException:
    """DynamoDB's message for a request member that breaks its model's constraint."""
    return ValidationException(f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
                               f"constraint: {constraint}")


def _request_items(req: dict) -> dict:
    items = req.get("RequestItems")
    if not isinstance(items, dict) or not items:
        raise invalid("requestItems", items, "Member must have length greater than or equal to 1")
    return items


def consumed(req: dict, units: Iterable[tuple[str, float]]) -> dict:
    """ConsumedCapacity of a multi-table operation from (table, units) pairs: one entry per table."""
    if req.get("ReturnConsumedCapacity") not in ("TOTAL", "INDEXES"):
        return {}
    total: dict[str, float] = {}
    for name, n in units:
        total[name] = total.get(name, 0.0) + n
    return {"ConsumedCapacity": [{"TableName": name, "CapacityUnits": n} for name, n in total.items()]}


def projection(spec: dict) -> list | None:
    """The paths of a read's ProjectionExpression (None: the whole item); unused names are an error."""
    proj, names = spec.get("ProjectionExpression"), spec.get("ExpressionAttributeNames")
    if not proj and names:
        ex.check_unused(names, None)
    return ex.projection_paths(proj, names) if proj else None


def _key(table: TableDef, key: object, seen: set) -> dict:
    """A request key, validated against the table's schema and checked against the keys seen so far."""
    validate_item(key)
    key = check_key_values(table, key, only_key=True)
    identity = (table.name, stored_key(table.key, key))
    if identity in seen:
        raise ValidationException(DUPLICATES)
    seen.add(identity)
    return key


async def batch_get_item(storage: Storage, resolve: Resolve, req: dict) -> dict:
    request = _request_items(req)
    specs = list(request.items())
    if sum(len(s.get("Keys") or []) if isinstance(s, dict) else 0 for _, s in specs) > MAX_GET_KEYS:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    plans, seen = [], set()
    for name, spec in specs:
        table = await resolve(name)
        if not isinstance(spec, dict) or not isinstance(spec.get("Keys"), list) or not spec["Keys"]:
            raise invalid(f"requestItems.{name}.member.keys", "[]", "Member must have length greater than or equal to 1")
        if "AttributesToGet" in spec:
            raise ValidationException("the legacy parameter AttributesToGet is not supported by overcast; use "
                                      "ProjectionExpression")
        paths = projection(spec)
        keys = [_key(table, k, seen) for k in spec["Keys"]]
        plans.append((table, spec, keys, paths))

    found = iter(await storage.transact_get([(t.name, k) for t, _, keys, _ in plans for k in keys]))
    responses, unprocessed, units, size = {}, {}, [], 0
    for table, spec, keys, paths in plans:
        out = responses.setdefault(table.name, [])
        consistent = bool(spec.get("ConsistentRead"))
        for i, key in enumerate(keys):
            item = next(found)
            if item is not None and paths is not None:
                item = ex.project(item, paths)
            if item is not None and size + item_size(item) > RESPONSE_BYTES:  # AWS stops at 16 MB per response
                rest = {k: v for k, v in spec.items() if k != "Keys"}
                unprocessed[table.name] = rest | {"Keys": keys[i:]}
                for _ in keys[i + 1:]:
                    next(found)
                break
            units.append((table.name, read_units(item, consistent)))
            if item is not None:
                size += item_size(item)
                out.append(item)
    return {"Responses": responses, "UnprocessedKeys": unprocessed} | consumed(req, units)


def _write(table: TableDef, entry: object, seen: set) -> tuple[dict, dict | None]:
    """(key, item to put or None to delete) of one WriteRequest, validated like PutItem / DeleteItem."""
    kinds = [k for k in ("PutRequest", "DeleteRequest") if isinstance(entry, dict) and k in entry]
    if len(kinds) != 1 or len(entry) != 1 or not isinstance(entry[kinds[0]], dict):
        raise ValidationException("1 validation error detected: a WriteRequest must contain exactly one of "
                                  "PutRequest or DeleteRequest")
    if kinds[0] == "DeleteRequest":
        return _key(table, entry["DeleteRequest"].get("Key"), seen), None
    item = entry["PutRequest"].get("Item")
    validate_item(item)
    key = check_key_values(table, item, only_key=False)
    check_item_size(item)  # checked up front: the call fails before any item is written
    _key(table, key, seen)
    return key, item


async def batch_write_item(storage: Storage, resolve: Resolve, req: dict) -> dict:
    request = _request_items(req)
    for name, writes in request.items():
        if not isinstance(writes, list) or not 1 <= len(writes) <= MAX_WRITES:
            raise invalid("requestItems", f"{{{name}=[...]}}", "Map value must satisfy constraint: [Member must have "
                          "length less than or equal to 25, Member must have length greater than or equal to 1]")
    if sum(len(w) for w in request.values()) > MAX_WRITES:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    plans, seen = [], set()
    for name, writes in request.items():
        table = await resolve(name)
        plans += [(table, entry, *_write(table, entry, seen)) for entry in writes]

    unprocessed, units = {}, []
    for n, (table, entry, key, item) in enumerate(plans):
        try:  # each write is its own transaction, as each is in AWS
            old, new = await storage.write(table.name, key, lambda _old, item=item: item)
        except DynamoError as error:
            if error.aws_name not in RETRY_LATER:
                raise
            for t, e, _, _ in plans[n:]:
                unprocessed.setdefault(t.name, []).append(e)
            break
        units.append((table.name, write_units(old, new)))
    return {"UnprocessedItems": unprocessed} | consumed(req, units)
