"""PutItem, GetItem, UpdateItem, DeleteItem: DynamoDB semantics over ``Storage.write``."""

from __future__ import annotations

import math

from overcast.tables import expressions as ex
from overcast.tables.errors import ConditionalCheckFailedException, ValidationException
from overcast.tables.sizes import item_size, value_size
from overcast.tables.storage.base import Storage, TableDef
from overcast.tables.storage.keys import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES
from overcast.tables.values import validate_item

WRITE_UNIT, READ_UNIT = 1024, 4096


def _invalid(message: str) -> ValidationException:
    return ValidationException(f"One or more parameter values were invalid: {message}")


def check_key_values(table: TableDef, item: dict, *, only_key: bool) -> dict:
    """The item's key (validated: present, right type, no empty string/binary)."""
    key = table.key
    names = [key.hash_key] + ([key.range_key] if key.range_key else [])
    types = {key.hash_key: key.hash_type, key.range_key: key.range_type}
    if only_key and set(item) != set(names):
        raise ValidationException("The provided key element does not match the schema")
    for name in names:
        if name not in item:
            if only_key:
                raise ValidationException("The provided key element does not match the schema")
            raise _invalid(f"Missing the key {name} in the item")
        (tag, value), = item[name].items()
        if tag != types[name]:
            if only_key:
                raise ValidationException("The provided key element does not match the schema")
            raise _invalid(f"Type mismatch for key {name} expected: {types[name]} actual: {tag}")
        if value == "":
            raise ValidationException("One or more parameter values are not valid. The AttributeValue for a key "
                                      f"attribute cannot contain an empty {'string' if tag == 'S' else 'binary'} "
                                      f"value. Key: {name}")
    for index in table.indexes:  # index keys must have the declared type (and key size) when present
        for name, want, limit in ((index.key.hash_key, index.key.hash_type, MAX_HASH_KEY_BYTES),
                                  (index.key.range_key, index.key.range_type, MAX_RANGE_KEY_BYTES)):
            if name and name in item and not only_key:
                tag = next(iter(item[name]))
                if tag != want:
                    raise _invalid(f"Type mismatch for Index Key {name} Expected: {want} Actual: {tag} "
                                   f"IndexName: {index.name}")
                if value_size(item[name]) > limit:
                    raise _invalid(f"Index key {name} of index {index.name} is over the {limit}-byte key size "
                                   "limit")
    return {n: item[n] for n in names}


def capacity(req: dict, table: TableDef, units: float) -> dict:
    if req.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
        return {"ConsumedCapacity": {"TableName": table.name, "CapacityUnits": units}}
    return {}


def write_units(*items: dict | None) -> float:
    size = max((item_size(i) for i in items if i), default=0)
    return float(max(1, math.ceil(size / WRITE_UNIT)))


def read_units(item: dict | None, consistent: bool) -> float:
    units = max(1, math.ceil(item_size(item) / READ_UNIT)) if item else 1
    return float(units if consistent else units / 2)


def _condition(req: dict, extra=()):
    """A predicate for ConditionExpression (or None), checking placeholders across all expressions."""
    expr = req.get("ConditionExpression")
    for legacy in ("Expected", "AttributeUpdates", "ConditionalOperator"):
        if legacy in req:
            raise ValidationException(f"the legacy parameter {legacy} is not supported by overcast; use "
                                      "ConditionExpression / UpdateExpression")
    names, values = req.get("ExpressionAttributeNames"), req.get("ExpressionAttributeValues")
    parsed = [ex.parse_condition(expr)] if expr else []
    pred = ex.compile_condition(expr, names, values, check_unused=False) if expr else None
    ex.check_unused(names, values, *parsed, *extra)
    return pred


def _check_condition(pred, old: dict | None, req: dict) -> None:
    if pred is not None and not pred(old or {}):
        item = old if req.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None
        raise ConditionalCheckFailedException(item=item)


async def _replace(storage: Storage, table: TableDef, req: dict, key: dict, item: dict | None) -> dict:
    """PutItem (``item``) and DeleteItem (None): a conditional whole-item write answering ALL_OLD or NONE."""
    rv = req.get("ReturnValues", "NONE")
    if rv not in ("NONE", "ALL_OLD"):
        raise ValidationException("ReturnValues can only be ALL_OLD or NONE")
    pred = _condition(req)

    def mutate(old):
        _check_condition(pred, old, req)
        return item

    old, new = await storage.write(table.name, key, mutate)
    out = {"Attributes": old} if rv == "ALL_OLD" and old else {}
    return out | capacity(req, table, write_units(old, new))


async def put_item(storage: Storage, table: TableDef, req: dict) -> dict:
    item = req.get("Item")
    validate_item(item)
    return await _replace(storage, table, req, check_key_values(table, item, only_key=False), item)


async def delete_item(storage: Storage, table: TableDef, req: dict) -> dict:
    key = req.get("Key")
    validate_item(key)
    return await _replace(storage, table, req, check_key_values(table, key, only_key=True), None)


async def get_item(storage: Storage, table: TableDef, req: dict) -> dict:
    key = req.get("Key")
    validate_item(key)
    key = check_key_values(table, key, only_key=True)
    names = req.get("ExpressionAttributeNames")
    proj = req.get("ProjectionExpression")
    paths = ex.projection_paths(proj, names) if proj else None
    if not proj and names:
        ex.check_unused(names, None)
    item = await storage.get_item(table.name, key)
    out = {}
    if item is not None:
        out["Item"] = ex.project(item, paths) if paths is not None else item
    return out | capacity(req, table, read_units(item, bool(req.get("ConsistentRead"))))


async def update_item(storage: Storage, table: TableDef, req: dict) -> dict:
    key = req.get("Key")
    validate_item(key)
    key = check_key_values(table, key, only_key=True)
    rv = req.get("ReturnValues", "NONE")
    if rv not in ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"):
        raise ValidationException(f"Unknown ReturnValues {rv}")
    names, values = req.get("ExpressionAttributeNames"), req.get("ExpressionAttributeValues")
    expr = req.get("UpdateExpression")
    parsed = [ex.parse_update(expr)] if expr else []
    pred = _condition(req, parsed)
    key_names = list(key)
    result = {}

    def mutate(old):
        _check_condition(pred, old, req)
        base = dict(old) if old else dict(key)
        if not expr:
            result["old"], result["new"] = {}, {}
            return base
        new, upd_old, upd_new = ex.apply_update(base, expr, names, values, key_names=key_names,
                                                check_unused=False)
        result["old"], result["new"] = upd_old, upd_new
        return new

    old, new = await storage.write(table.name, key, mutate)
    attrs = {"ALL_OLD": old, "ALL_NEW": new, "UPDATED_OLD": result.get("old"),
             "UPDATED_NEW": result.get("new")}.get(rv)
    out = {"Attributes": attrs} if attrs else {}
    return out | capacity(req, table, write_units(old, new))
