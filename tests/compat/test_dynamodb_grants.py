"""Table grants through imports (pure), and what a grantee may not do."""

from __future__ import annotations

import asyncio

import pytest

from overcast.compat.dynamodb.grants import grants_of
from overcast.compat.dynamodb.service import AccessDenied, DynamoService
from overcast.tables.storage import open_storage
from overcast.tables.storage.base import KeySchema, TableDef


def doc(resources=None, imports=None):
    return {"resources": resources or {}, "imports": imports or []}


def table_res(name):
    return {"kind": "table", "props": {"name": name}}


def test_imports_of_a_table_name_grant_access_in_the_same_stage_only():
    states = {
        ("dev", "owner"): doc({"table:t": table_res("things")}),
        ("dev", "user"): doc(imports=[{"stack": "owner", "output": "Things", "value": "things"}]),
        ("dev", "other"): doc(imports=[{"stack": "owner", "output": "Url", "value": "not-a-table"}]),
        ("prod", "user"): doc(imports=[{"stack": "owner", "output": "Things", "value": "things"}]),  # no prod owner
    }
    assert grants_of(states) == {"things": {"dev.user"}}


def test_a_grantee_may_use_items_but_not_change_the_table(tmp_path):
    async def go():
        storage = open_storage(f"sqlite:///{tmp_path / 't.db'}")
        await storage.open()
        try:
            await storage.create_table(TableDef("things", KeySchema("id", "S"), owner="dev.owner",
                                                attribute_types={"id": "S"}))
            svc = DynamoService(storage)
            svc.grants = {"things": {"dev.user"}}
            await svc.handle("PutItem", {"TableName": "things", "Item": {"id": {"S": "a"}}}, "dev.user")
            got = await svc.handle("GetItem", {"TableName": "things", "Key": {"id": {"S": "a"}}}, "dev.user")
            assert got["Item"] == {"id": {"S": "a"}}
            with pytest.raises(AccessDenied):
                await svc.handle("DeleteTable", {"TableName": "things"}, "dev.user")
            assert (await svc.handle("ListTables", {}, "dev.user"))["TableNames"] == ["things"]
            assert (await svc.handle("ListTables", {}, "dev.nobody"))["TableNames"] == []
        finally:
            await storage.close()
    asyncio.run(go())
