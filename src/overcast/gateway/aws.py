"""AWS-compatible endpoints on the gateway: requests with ``X-Amz-Target`` to ``POST /``.

Each request must be SigV4-signed with a key the platform issued; the key's
principal decides which tables it reaches. Errors answer in DynamoDB's JSON
shape, so boto3 raises the exception classes it would raise against AWS.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from overcast.asgi import read_body
from overcast.compat import sigv4
from overcast.compat.dynamodb import wire
from overcast.compat.dynamodb.service import DynamoService
from overcast.compat.keys import KeyStore
from overcast.errors import OvercastError
from overcast.tables import maintenance
from overcast.tables.errors import ValidationException
from overcast.tables.storage import open_storage

log = logging.getLogger("overcast.gateway")
MAX_REQUEST = 16 * 1024 * 1024


class AwsEndpoints:
    def __init__(self, tables_url: str | None) -> None:
        self.tables_url = tables_url
        self.storage = None
        self.dynamodb: DynamoService | None = None
        self.keys: KeyStore | None = None

    async def start(self, nc) -> None:
        self.keys = KeyStore(nc)
        self._tasks = []
        if self.tables_url:
            self.storage = open_storage(self.tables_url)
            await self.storage.open()
            self.dynamodb = DynamoService(self.storage)
            self._tasks = [asyncio.create_task(maintenance.relay(nc, self.storage)),
                           asyncio.create_task(maintenance.sweep_ttl(self.storage))]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.storage is not None:
            await self.storage.close()

    def set_grants(self, grants: dict[str, set[str]]) -> None:
        if self.dynamodb is not None:  # created in start(), before the gateway watches any state
            self.dynamodb.grants = grants

    @staticmethod
    def target(scope) -> str | None:
        if scope["method"] != "POST" or scope["path"] != "/":
            return None
        for name, value in scope["headers"]:
            if name == b"x-amz-target":
                return value.decode("latin-1")
        return None

    async def handle(self, scope, receive, target: str, request_id: str) -> tuple[int, list, bytes]:
        op = wire.operation(target)
        body = await read_body(receive, MAX_REQUEST)
        try:
            if op is None or self.dynamodb is None:
                raise ValidationException(f"unknown operation target {target!r}" if op is None else
                                          "tables are not enabled on this node (start it with --tables URL)")
            if body is None:
                raise ValidationException(f"request body over {MAX_REQUEST} bytes")
            signed = sigv4.parse_request("POST", scope.get("raw_path") or b"/", scope.get("query_string", b""),
                                         scope["headers"], body, service="dynamodb")
            key = sigv4.check_signature(signed, await self.keys.get(signed.access_key_id))
            try:
                req = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                raise _serialization() from None
            result = await self.dynamodb.handle(op, req, key.principal)
            return wire.response(200, result, request_id)
        except OvercastError as exc:
            return wire.error(exc, request_id)
        except Exception:  # ours: logged, never shown
            log.exception("DynamoDB %s failed inside the gateway", op)
            return wire.error(_internal(), request_id)


def _serialization() -> OvercastError:
    exc = ValidationException("Start of structure or map found where not expected.")
    exc.aws_name = "SerializationException"
    return exc


def _internal() -> OvercastError:
    exc = OvercastError("Internal server error")
    exc.aws_name = "InternalServerError"
    return exc

