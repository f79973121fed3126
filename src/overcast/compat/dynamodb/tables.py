"""CreateTable, DescribeTable, ListTables, DeleteTable: requests to TableDefs and back."""

from __future__ import annotations

import re
import time
import uuid

from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.tables.errors import ValidationException
from overcast.tables.storage.base import IndexDef, KeySchema, TableDef

TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
INDEX_NAME = TABLE_NAME


def _invalid(message: str) -> ValidationException:
    return ValidationException(f"One or more parameter values were invalid: {message}")


def check_table_name(name: object) -> str:
    if not isinstance(name, str) or not TABLE_NAME.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and length between 3 and 255")
    return name


def _key_schema(entries: object, types: dict[str, str], where: str) -> KeySchema:
    if not isinstance(entries, list) or not 1 <= len(entries) <= 2:
        raise _invalid(f"{where} must have one or two elements")
    by_type = {}
    for e in entries:
        if not isinstance(e, dict) or e.get("KeyType") not in ("HASH", "RANGE") or "AttributeName" not in e:
            raise _invalid(f"{where}: each element needs AttributeName and KeyType HASH or RANGE")
        if e["KeyType"] in by_type:
            raise _invalid(f"{where}: duplicate {e['KeyType']} key")
        by_type[e["KeyType"]] = e["AttributeName"]
    if "HASH" not in by_type or entries[0]["KeyType"] != "HASH":
        raise _invalid(f"{where}: the first element must be the HASH key")
    for name in by_type.values():
        if name not in types:
            raise _invalid(f"Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], "
                           f"AttributeDefinitions: [{', '.join(types)}]")
    hash_key, range_key = by_type["HASH"], by_type.get("RANGE")
    return KeySchema(hash_key, types[hash_key], range_key, types[range_key] if range_key else None)


def _projection(p: object) -> tuple[str, tuple[str, ...]]:
    if not isinstance(p, dict) or p.get("ProjectionType", "ALL") not in ("ALL", "KEYS_ONLY", "INCLUDE"):
        raise _invalid("Projection.ProjectionType must be ALL, KEYS_ONLY or INCLUDE")
    kind = p.get("ProjectionType", "ALL")
    extra = p.get("NonKeyAttributes") or []
    if kind == "INCLUDE" and not extra:
        raise _invalid("NonKeyAttributes must be given for ProjectionType INCLUDE")
    if kind != "INCLUDE" and extra:
        raise _invalid(f"ProjectionType is {kind}, but NonKeyAttributes is specified")
    return kind, tuple(extra)


def refuse_unsupported(req: dict) -> None:
    """Settings overcast would otherwise have to ignore are refused, never silently dropped."""
    if req.get("DeletionProtectionEnabled"):
        raise ValidationException("DeletionProtectionEnabled is not supported by overcast; declare the table in a "
                                  "stack file, where deletionPolicy: retain keeps its data")


def table_from_request(req: dict, owner: str) -> TableDef:
    refuse_unsupported(req)
    name = check_table_name(req.get("TableName"))
    defs = req.get("AttributeDefinitions")
    if not isinstance(defs, list) or not defs:
        raise _invalid("AttributeDefinitions must be given")
    types = {}
    for d in defs:
        if not isinstance(d, dict) or d.get("AttributeType") not in ("S", "N", "B") or "AttributeName" not in d:
            raise _invalid("each AttributeDefinition needs AttributeName and AttributeType S, N or B")
        types[d["AttributeName"]] = d["AttributeType"]
    key = _key_schema(req.get("KeySchema"), types, "KeySchema")
    indexes, used = [], {key.hash_key, key.range_key}
    for kind, field in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
        for spec in req.get(field) or []:
            iname = spec.get("IndexName")
            if not isinstance(iname, str) or not INDEX_NAME.match(iname):
                raise _invalid(f"invalid IndexName {iname!r}")
            ikey = _key_schema(spec.get("KeySchema"), types, f"{field} {iname} KeySchema")
            if kind == "LSI" and (ikey.hash_key != key.hash_key or ikey.range_key is None):
                raise _invalid(f"Local secondary index {iname} must have the table's hash key and a range key")
            ptype, extra = _projection(spec.get("Projection") or {})
            indexes.append(IndexDef(iname, kind, ikey, ptype, extra))
            used |= {ikey.hash_key, ikey.range_key}
    if len({i.name for i in indexes}) != len(indexes):
        raise _invalid("Duplicate index name")
    unused = sorted(set(types) - used)
    if unused:
        raise _invalid("Number of attributes in KeySchema does not exactly match number of attributes defined "
                       "in AttributeDefinitions")
    stream = req.get("StreamSpecification") or {}
    view = stream.get("StreamViewType") if stream.get("StreamEnabled") else None
    if view not in (None, "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"):
        raise _invalid(f"unknown StreamViewType {view!r}")
    return TableDef(name=name, key=key, indexes=tuple(indexes), stream_view=view, created_at=time.time(),
                    owner=owner, attribute_types=types)


def _key_schema_json(key: KeySchema) -> list[dict]:
    out = [{"AttributeName": key.hash_key, "KeyType": "HASH"}]
    if key.range_key:
        out.append({"AttributeName": key.range_key, "KeyType": "RANGE"})
    return out


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"


def describe(table: TableDef, items: int = 0, size: int = 0, status: str = "ACTIVE") -> dict:
    desc = {
        "TableName": table.name, "TableStatus": status, "CreationDateTime": table.created_at,
        "KeySchema": _key_schema_json(table.key),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in
                                 sorted(table.attribute_types.items())],
        "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "TableSizeBytes": size, "ItemCount": items, "TableArn": table_arn(table.name),
        "TableId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{table.name}/{table.created_at}")),
    }
    for kind, field in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
        found = [i for i in table.indexes if i.kind == kind]
        if found:
            desc[field] = [{
                "IndexName": i.name, "KeySchema": _key_schema_json(i.key),
                "Projection": {"ProjectionType": i.projection,
                               **({"NonKeyAttributes": list(i.non_key_attributes)} if i.non_key_attributes else {})},
                "IndexArn": f"{table_arn(table.name)}/index/{i.name}", "IndexSizeBytes": 0, "ItemCount": 0,
                **({"IndexStatus": "ACTIVE"} if kind == "GSI" else {}),
            } for i in found]
    if table.stream_view:
        label = time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime(table.created_at))
        desc["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream_view}
        desc["LatestStreamLabel"] = label
        desc["LatestStreamArn"] = f"{table_arn(table.name)}/stream/{label}"
    return desc
