"""Tables as deploy resources: the ``table`` kind, and applying its plan actions to the storage.

A table is stateful: it is replaced only with ``--allow-replace``, and when it
leaves a stack (or the stack is removed) its data stays unless its
``deletionPolicy`` is ``delete`` or ``--delete-data`` is given. A retained
table keeps its owner, so deploying the stack again finds its data again.
"""

from __future__ import annotations

import time

from overcast.deploy.resources import Kind, Resource, register_kind, resource_id
from overcast.errors import OvercastError
from overcast.tables.errors import ResourceNotFoundException
from overcast.tables.storage.base import IndexDef, KeySchema, Storage, TableDef

TABLE = register_kind(Kind("table", stateful=True,
                           replace_on=frozenset({"name", "partitionKey", "sortKey", "localIndexes"})))


class TableConflict(OvercastError):
    code = "deploy.table_conflict"
    http_status = 409


def _key(k) -> dict | None:
    return {"name": k.name, "type": k.type} if k is not None else None


def _index(i) -> dict:
    return {"name": i.name, "partitionKey": _key(i.partitionKey), "sortKey": _key(i.sortKey),
            "projection": i.projection}


def table_resources(spec) -> dict[str, Resource]:
    out = {}
    for logical, t in (getattr(spec, "tables", None) or {}).items():
        rid = resource_id(TABLE.name, logical)
        out[rid] = Resource(rid, TABLE.name, {
            "name": t.physical_name(logical), "partitionKey": _key(t.partitionKey), "sortKey": _key(t.sortKey),
            "globalIndexes": [_index(i) for i in t.indexes if not i.local],
            "localIndexes": [_index(i) for i in t.indexes if i.local],
            "ttl": t.ttl, "stream": t.stream, "deletionPolicy": t.deletionPolicy,
        })
    return out


def table_def(props: dict, owner: str, created_at: float | None = None) -> TableDef:
    def schema(pk: dict, sk: dict | None) -> KeySchema:
        return KeySchema(pk["name"], pk["type"], sk["name"] if sk else None, sk["type"] if sk else None)

    indexes = []
    types = {}
    for kind, field in (("GSI", "globalIndexes"), ("LSI", "localIndexes")):
        for i in props.get(field) or []:
            proj = i["projection"]
            ptype, extra = (proj, ()) if isinstance(proj, str) else ("INCLUDE", tuple(proj))
            indexes.append(IndexDef(i["name"], kind, schema(i["partitionKey"], i["sortKey"]), ptype, extra))
            for k in (i["partitionKey"], i["sortKey"]):
                if k:
                    types[k["name"]] = k["type"]
    for k in (props["partitionKey"], props.get("sortKey")):
        if k:
            types[k["name"]] = k["type"]
    return TableDef(name=props["name"], key=schema(props["partitionKey"], props.get("sortKey")),
                    indexes=tuple(indexes), stream_view=props.get("stream"), ttl_attribute=props.get("ttl"),
                    created_at=created_at or time.time(), owner=owner, attribute_types=types)


async def _existing(storage: Storage, name: str) -> TableDef | None:
    try:
        return await storage.describe_table(name)
    except ResourceNotFoundException:
        return None


async def check_owners(storage: Storage, resources: dict[str, Resource], owner: str) -> list[str]:
    """Refusals for tables whose physical name another stack owns."""
    out = []
    for res in resources.values():
        if res.kind == TABLE.name:
            found = await _existing(storage, res.props["name"])
            if found is not None and found.owner and found.owner != owner:
                out.append(f"table '{res.props['name']}' already exists and belongs to {found.owner}")
    return out


async def apply_actions(storage: Storage, actions, desired: dict[str, Resource], current: dict[str, dict],
                        owner: str) -> list[str]:
    """Create, update, replace or drop tables as the plan says; returns what was done (for the answer)."""
    done = []
    for action in actions:
        if action.kind != TABLE.name:
            continue
        if action.action in ("create", "update", "replace"):
            props = desired[action.id].props
            found = await _existing(storage, props["name"])
            if action.action == "replace" and found is not None:
                await storage.delete_table(props["name"])
                found = None
            if found is None:
                await storage.create_table(table_def(props, owner))
                done.append(f"created table {props['name']}")
            else:  # an update, or a retained table coming back to its stack
                await storage.update_table(table_def(props, owner, found.created_at))
                done.append(f"kept table {props['name']} ({action.action})")
        elif action.action == "delete" and action.data_loss:
            name = current[action.id]["props"]["name"]
            if await _existing(storage, name) is not None:
                await storage.delete_table(name)
                done.append(f"deleted table {name} and its data")
        elif action.action == "retain":
            done.append(f"retained table {current[action.id]['props']['name']} (data kept)")
    return done
