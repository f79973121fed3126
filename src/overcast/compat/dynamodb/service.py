"""The DynamoDB operations overcast answers, dispatched by ``X-Amz-Target``.

A principal (the stack whose key signed the request) sees the tables it
created; a table another stack owns is invisible to it (ResourceNotFound),
as a table in another AWS account would be.
"""

from __future__ import annotations

from overcast.compat.dynamodb import admin, batch, items, reads, tables, transact
from overcast.tables.errors import DynamoError, ResourceNotFoundException, ValidationException
from overcast.tables.storage.base import Storage, TableDef

LIST_MAX = 100


class AccessDenied(DynamoError):
    code = "tables.access_denied"
    aws_name = "AccessDeniedException"


class DynamoService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.grants: dict[str, set[str]] = {}  # table -> principals it is exported to (see grants.py)
        self._ops = {
            "CreateTable": self.create_table, "DescribeTable": self.describe_table,
            "ListTables": self.list_tables, "DeleteTable": self.delete_table,
            "PutItem": self._item(items.put_item), "GetItem": self._item(items.get_item),
            "UpdateItem": self._item(items.update_item), "DeleteItem": self._item(items.delete_item),
            "Query": self._item(reads.query), "Scan": self._item(reads.scan),
            "BatchGetItem": self._tables(batch.batch_get_item), "BatchWriteItem": self._tables(batch.batch_write_item),
            "TransactGetItems": self._tables(transact.transact_get_items),
            "TransactWriteItems": self.transact_write_items,
            "UpdateTable": self._item(admin.update_table, manage=True),
            "UpdateTimeToLive": self._item(admin.update_time_to_live, manage=True),
            "DescribeTimeToLive": self._item(admin.describe_time_to_live),
        }

    def supports(self, op: str) -> bool:
        return op in self._ops

    async def handle(self, op: str, req: dict, principal: str) -> dict:
        handler = self._ops.get(op)
        if handler is None:
            raise ValidationException(f"operation {op} is not supported by overcast yet")
        if not isinstance(req, dict):
            raise ValidationException("the request body must be a JSON object")
        return await handler(req, principal)

    def _may_use(self, table: TableDef, principal: str) -> bool:
        return (not table.owner or not principal or table.owner == principal
                or principal in self.grants.get(table.name, ()))

    async def _table(self, req: dict, principal: str, manage: bool = False) -> TableDef:
        name = tables.check_table_name(req.get("TableName"))
        table = await self.storage.describe_table(name)
        if not self._may_use(table, principal):
            raise ResourceNotFoundException("Requested resource not found")
        if manage and table.owner and principal and table.owner != principal:
            raise AccessDenied(f"User: {principal} is not authorized to perform this operation on resource: "
                               f"{tables.table_arn(name)} (only the stack that owns the table may change it)")
        return table

    def _item(self, fn, manage: bool = False):
        async def run(req: dict, principal: str) -> dict:
            return await fn(self.storage, await self._table(req, principal, manage), req)
        return run

    def _resolver(self, principal: str):
        """Table name -> TableDef, for operations naming several tables (each checked like TableName)."""
        return lambda name: self._table({"TableName": name}, principal)

    def _tables(self, fn):
        async def run(req: dict, principal: str) -> dict:
            return await fn(self.storage, self._resolver(principal), req)
        return run

    async def transact_write_items(self, req: dict, principal: str) -> dict:
        return await transact.transact_write_items(self.storage, self._resolver(principal), req, principal)

    async def create_table(self, req: dict, principal: str) -> dict:
        table = await self.storage.create_table(tables.table_from_request(req, principal))
        return {"TableDescription": tables.describe(table)}

    async def describe_table(self, req: dict, principal: str) -> dict:
        table = await self._table(req, principal)
        count, size = await self.storage.item_count(table.name)
        return {"Table": tables.describe(table, count, size)}

    async def delete_table(self, req: dict, principal: str) -> dict:
        table = await self._table(req, principal, manage=True)
        await self.storage.delete_table(table.name)
        return {"TableDescription": tables.describe(table, status="DELETING")}

    async def list_tables(self, req: dict, principal: str) -> dict:
        limit = req.get("Limit", LIST_MAX)
        if not isinstance(limit, int) or not 1 <= limit <= LIST_MAX:
            raise ValidationException("1 validation error detected: Value at 'limit' failed to satisfy "
                                      "constraint: Member must have value less than or equal to 100")
        start = req.get("ExclusiveStartTableName")
        visible, cursor = [], start
        while True:  # every table after ``start`` this principal may see, in name order
            batch, cursor = await self.storage.list_tables(cursor, LIST_MAX)
            for name in batch:
                table = await self.storage.describe_table(name)
                if self._may_use(table, principal):
                    visible.append(name)
            if cursor is None or len(visible) > limit:
                break
        result = {"TableNames": visible[:limit]}
        if len(visible) > limit:
            result["LastEvaluatedTableName"] = visible[limit - 1]
        return result
