"""AWS-compatible endpoints on the gateway: requests with ``X-Amz-Target`` to ``POST /``.

Each request must be SigV4-signed with a key the platform issued; the key's
principal decides which resources it reaches. A service answers in its own
JSON error shape, so boto3 raises the exception classes it would raise
against AWS. Services (DynamoDB, Kinesis, SQS, ...) plug in as
:class:`AwsService` objects: the gateway owns signature checks and body
parsing, the service owns its operations and its wire format.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import orjson

from overcast.asgi import Answer, host_of, read_body
from overcast.compat import sigv4
from overcast.compat.dynamodb import wire
from overcast.compat.dynamodb.service import DynamoService
from overcast.compat.keys import KeyStore
from overcast.compat.kinesis.service import KinesisEndpoint
from overcast.compat.sqs.service import SqsEndpoint
from overcast.errors import OvercastError
from overcast.tables import maintenance
from overcast.tables.errors import ValidationException
from overcast.tables.storage import open_storage

log = logging.getLogger("overcast.gateway")
MAX_REQUEST = 16 * 1024 * 1024



class AwsService(Protocol):
    """One AWS JSON-protocol service answered on the gateway."""

    prefix: str  # X-Amz-Target prefix, e.g. "Kinesis_20131202."
    signing_name: str  # SigV4 service name in the credential scope, e.g. "kinesis"

    async def handle(self, op: str, req: dict, principal: str) -> dict: ...

    def response(self, status: int, body: dict, request_id: str) -> Answer: ...

    def error(self, exc: OvercastError, request_id: str) -> Answer: ...


class DynamoEndpoint:
    """DynamoDB on the table storage the gateway was started with (``--tables``)."""

    prefix = wire.TARGET_PREFIX
    signing_name = "dynamodb"

    def __init__(self, service: DynamoService | None) -> None:
        self.service = service

    async def handle(self, op: str, req: dict, principal: str) -> dict:
        if self.service is None:
            raise ValidationException("tables are not enabled on this node (start it with --tables URL)")
        return await self.service.handle(op, req, principal)

    def response(self, status: int, body: dict, request_id: str) -> Answer:
        return wire.response(status, body, request_id)

    def error(self, exc: OvercastError, request_id: str) -> Answer:
        return wire.error(exc, request_id)


class AwsEndpoints:
    def __init__(self, tables_url: str | None) -> None:
        self.tables_url = tables_url
        self.storage = None
        self.dynamodb: DynamoService | None = None
        self.keys: KeyStore | None = None
        self.services: list[AwsService] = []

    async def start(self, nc) -> None:
        self.keys = KeyStore(nc)
        self._tasks = []
        if self.tables_url:
            self.storage = open_storage(self.tables_url)
            await self.storage.open()
            self.dynamodb = DynamoService(self.storage)
            self._tasks = [asyncio.create_task(maintenance.relay(nc, self.storage)),
                           asyncio.create_task(maintenance.sweep_ttl(self.storage))]
        self.services = [DynamoEndpoint(self.dynamodb), *_more_services(nc)]

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

    def _service(self, target: str) -> tuple[AwsService, str]:
        for service in self.services:
            if target.startswith(service.prefix):
                return service, target[len(service.prefix):]
        return self.services[0], ""

    async def handle(self, scope, receive, target: str, request_id: str) -> Answer:
        service, op = self._service(target)
        body = await read_body(receive, MAX_REQUEST)
        try:
            if not op:
                raise ValidationException(f"unknown operation target {target!r}")
            if body is None:
                raise ValidationException(f"request body over {MAX_REQUEST} bytes")
            signed = sigv4.parse_request("POST", scope.get("raw_path") or b"/", scope.get("query_string", b""),
                                         scope["headers"], body, service=service.signing_name)
            key = sigv4.check_signature(signed, await self.keys.get(signed.access_key_id))
            try:
                req = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                raise _serialization() from None
            if not isinstance(req, dict):
                raise ValidationException("the request body must be a JSON object")
            extra = {"base_url": _base_url(scope)} if getattr(service, "wants_base_url", False) else {}
            result = await service.handle(op, req, key.principal, **extra)
            return service.response(200, result, request_id)
        except OvercastError as exc:
            return service.error(exc, request_id)
        except Exception:  # ours: logged, never shown
            log.exception("%s failed inside the gateway", target)
            return service.error(_internal(), request_id)


def _more_services(nc) -> list[AwsService]:
    """Services that live on the engine itself (no storage of the gateway's own)."""
    return [KinesisEndpoint(nc), SqsEndpoint(nc)]


def _base_url(scope) -> str:
    """``scheme://host`` the client reached the gateway at (SQS answers with queue URLs under it)."""
    return f"{scope.get('scheme', 'http')}://{host_of(scope)}"


def _serialization() -> OvercastError:
    exc = ValidationException("Start of structure or map found where not expected.")
    exc.aws_name = "SerializationException"
    return exc


def _internal() -> OvercastError:
    exc = OvercastError("Internal server error")
    exc.aws_name = "InternalServerError"
    return exc
