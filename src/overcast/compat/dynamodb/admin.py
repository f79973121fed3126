"""UpdateTable, UpdateTimeToLive, DescribeTimeToLive: a changed TableDef stored with ``Storage.update_table``.

The storage applies a change in one transaction (a new index is backfilled
from the items before the call returns), so UpdateTable answers with the
table and its indexes ACTIVE rather than UPDATING / CREATING: a client that
waits for ACTIVE finds it at once. Throughput, billing mode, table class,
SSE and deletion-protection settings are accepted and have no effect
(overcast tables are always on demand).
"""

from __future__ import annotations

from dataclasses import replace

from overcast.compat.dynamodb import tables
from overcast.compat.dynamodb.batch import invalid
from overcast.compat.dynamodb.tables import refuse_unsupported
from overcast.tables.errors import DynamoError, ResourceNotFoundException, ValidationException
from overcast.tables.storage.base import IndexDef, Storage, TableDef

VIEWS = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
NO_EFFECT = ("ProvisionedThroughput", "BillingMode", "SSESpecification", "TableClass", "DeletionProtectionEnabled",
             "OnDemandThroughput", "WarmThroughput")  # DeletionProtectionEnabled=true is refused (refuse_unsupported)
MAX_GSIS = 20
PREFIX = "One or more parameter values were invalid: "


class LimitExceededException(DynamoError):
    code = "tables.limit_exceeded"
    aws_name = "LimitExceededException"


def _definitions(defs: object) -> dict[str, str]:
    out = {}
    for d in defs or []:
        if not isinstance(d, dict) or d.get("AttributeType") not in ("S", "N", "B") or "AttributeName" not in d:
            raise ValidationException(PREFIX + "each AttributeDefinition needs AttributeName and AttributeType "
                                      "S, N or B")
        out[d["AttributeName"]] = d["AttributeType"]
    return out


def _index_updates(table: TableDef, updates: object, defs: dict[str, str]) -> tuple[IndexDef, ...]:
    if not isinstance(updates, list):
        raise ValidationException(PREFIX + "GlobalSecondaryIndexUpdates must be a list")
    ops = []
    for u in updates:
        found = [k for k in ("Create", "Update", "Delete") if isinstance(u, dict) and k in u]
        if not found:
            raise ValidationException(PREFIX + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate"
                                      ".Create, GlobalSecondaryIndexUpdate.Delete must not be null")
        if len(found) > 1 or len(u) > 1 or not isinstance(u[found[0]], dict):
            raise ValidationException(PREFIX + "Only one of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndex"
                                      "Update.Create, GlobalSecondaryIndexUpdate.Delete may be specified per update")
        ops.append((found[0], u[found[0]]))
    if sum(kind != "Update" for kind, _ in ops) > 1:  # AWS builds or drops one index at a time
        raise LimitExceededException("Subscriber limit exceeded: Only 1 online index can be created or deleted "
                                     "simultaneously per table")
    indexes = list(table.indexes)
    for kind, spec in ops:
        name = spec.get("IndexName")
        current = table.index(name) if isinstance(name, str) else None
        if kind == "Create":
            if not isinstance(name, str) or not tables.INDEX_NAME.match(name):
                raise invalid("globalSecondaryIndexUpdates.member.create.indexName", name,
                              "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and length between "
                              "3 and 255")
            if current is not None:
                raise ValidationException(f"Attempting to create an index which already exists: {name}")
            key = tables._key_schema(spec.get("KeySchema"), defs, f"GlobalSecondaryIndexUpdates {name} KeySchema")
            projection, extra = tables._projection(spec.get("Projection") or {})
            indexes.append(IndexDef(name, "GSI", key, projection, extra))
        elif current is None:
            raise ResourceNotFoundException(f"Requested resource not found: Index: {name} not found")
        elif current.kind != "GSI":
            raise ValidationException(PREFIX + f"Index {name} is a local secondary index; only global secondary "
                                      "indexes can be updated or deleted")
        elif kind == "Delete":
            indexes.remove(current)
    if sum(i.kind == "GSI" for i in indexes) > MAX_GSIS:
        raise LimitExceededException(f"Subscriber limit exceeded: a table can have at most {MAX_GSIS} global "
                                     "secondary indexes")
    return tuple(indexes)


def _attribute_types(table: TableDef, indexes: tuple[IndexDef, ...], defs: dict[str, str]) -> dict[str, str]:
    """AttributeDefinitions after the update: the key attributes still in use (a type never changes)."""
    used = [table.key.hash_key, table.key.range_key]
    for index in indexes:
        used += [index.key.hash_key, index.key.range_key]
    types = {}
    for name in filter(None, used):
        old, new = table.attribute_types.get(name), defs.get(name)
        if old and new and old != new:
            raise ValidationException(PREFIX + "Attributes cannot be redefined. Please check that your attribute "
                                      f"has the same type as previously defined. Attribute: {name}, existing "
                                      f"type: {old}, new type: {new}")
        types[name] = old or new
    return types


def _stream(table: TableDef, spec: object) -> str | None:
    if not isinstance(spec, dict) or not isinstance(spec.get("StreamEnabled"), bool):
        raise ValidationException(PREFIX + "StreamSpecification needs StreamEnabled true or false")
    if not spec["StreamEnabled"]:
        if not table.stream_view:  # wording not confirmed against AWS; AWS refuses this case too
            raise ValidationException(f"Table does not have an enabled stream: TableName: {table.name}")
        return None
    if spec.get("StreamViewType") not in VIEWS:
        raise ValidationException(PREFIX + "StreamViewType must be one of " + ", ".join(VIEWS))
    if table.stream_view:  # the view type of an enabled stream cannot change: disable it first
        raise ValidationException(f"Table already has an enabled stream: TableName: {table.name}")
    return spec["StreamViewType"]


async def update_table(storage: Storage, table: TableDef, req: dict) -> dict:
    updates, stream = req.get("GlobalSecondaryIndexUpdates"), req.get("StreamSpecification")
    if not updates and stream is None and not any(k in req for k in NO_EFFECT + ("ReplicaUpdates",)):
        raise ValidationException("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                                  "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required "
                                  "for UpdateTable")
    if req.get("ReplicaUpdates"):
        raise ValidationException("ReplicaUpdates (global tables) are not supported by overcast")
    refuse_unsupported(req)
    new = table
    if updates:
        defs = _definitions(req.get("AttributeDefinitions"))
        indexes = _index_updates(table, updates, defs)
        new = replace(new, indexes=indexes, attribute_types=_attribute_types(table, indexes, defs))
    if stream is not None:
        new = replace(new, stream_view=_stream(table, stream))
    if new != table:
        new = await storage.update_table(new)
    count, size = await storage.item_count(new.name)
    return {"TableDescription": tables.describe(new, count, size)}


async def update_time_to_live(storage: Storage, table: TableDef, req: dict) -> dict:
    spec = req.get("TimeToLiveSpecification")
    if not isinstance(spec, dict):
        raise invalid("timeToLiveSpecification", None, "Member must not be null")
    name, enabled = spec.get("AttributeName"), spec.get("Enabled")
    if not isinstance(enabled, bool):
        raise invalid("timeToLiveSpecification.enabled", enabled, "Member must not be null")
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise invalid("timeToLiveSpecification.attributeName", name,
                      "Member must have length less than or equal to 255 and greater than or equal to 1")
    current = table.ttl_attribute
    if current and current != name:  # enabling another attribute or disabling with the wrong one
        raise ValidationException(f"TimeToLive is active on a different AttributeName: current AttributeName is "
                                  f"{current}")
    if enabled == bool(current):
        raise ValidationException(f"TimeToLive is already {'enabled' if enabled else 'disabled'}")
    await storage.update_table(replace(table, ttl_attribute=name if enabled else None))
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": name}}


async def describe_time_to_live(storage: Storage, table: TableDef, req: dict) -> dict:
    if not table.ttl_attribute:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl_attribute}}
