"""WebSocket connections across gateways, and the ``@connections`` management API.

A socket lives in the gateway process that accepted it. The registry (KV
bucket ``overcast_ws``: connection id -> owning gateway) lets any gateway
answer ``POST/GET/DELETE [/STAGE]/@connections/{id}`` — the
``apigatewaymanagementapi`` operations PostToConnection, GetConnection and
DeleteConnection: a call for a socket held elsewhere is a NATS request on the
owner's subject. A connection whose owner is gone is gone (410), as in AWS.

Calls are SigV4-signed (service ``execute-api``) with a platform-issued key;
the key's principal (``STAGE.STACK``) reaches that stack's connections only.
"""

from __future__ import annotations

import base64
import logging
import re
from datetime import datetime, timezone
from typing import Protocol

import orjson
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import KeyNotFoundError

from overcast import limits
from overcast.asgi import Answer, read_body
from overcast.compat import sigv4
from overcast.engine import subjects
from overcast.engine.connect import bucket
from overcast.errors import OvercastError

log = logging.getLogger("overcast.gateway")
_PATH = re.compile(r"^(?:/([^/@]+))?/@connections/([^/]+)$")
REMOTE_TIMEOUT_S = 5.0
_JSON = (b"content-type", b"application/json")



class GoneException(OvercastError):
    code = "websocket.gone"
    http_status = 410
    aws_name = "GoneException"


class ForbiddenException(OvercastError):
    code = "websocket.forbidden"
    http_status = 403
    aws_name = "ForbiddenException"


class PayloadTooLargeException(OvercastError):
    code = "websocket.payload_too_large"
    http_status = 413
    aws_name = "PayloadTooLargeException"


_ERRORS = {cls.aws_name: cls for cls in (GoneException, ForbiddenException, PayloadTooLargeException)}


class Held(Protocol):
    """A connection held by this gateway (see ``overcast.gateway.wssession.Session``)."""

    principal: str  # STAGE.STACK of its API
    stage: str

    def describe(self) -> dict: ...

    async def post(self, data: bytes) -> None: ...

    async def disconnect(self) -> None: ...


def iso_ms(epoch_ms: int) -> str:
    """``2024-11-11T11:35:24.553Z``: the ISO 8601 form the management API answers with."""
    t = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def match_path(path: str) -> tuple[str | None, str] | None:
    """``(stage or None, connection id)`` for a management API path, else None."""
    m = _PATH.match(path)
    return (m.group(1), m.group(2)) if m else None


class Registry:
    """This gateway's sockets, and the way to reach any other gateway's."""

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self.held: dict[str, Held] = {}
        self.nc = None
        self.kv = None

    async def start(self, nc) -> None:
        self.nc = nc
        # Entries outlive a crashed gateway by at most the longest connection a gateway allows.
        ttl = limits.LIMITS["websocket.connection_duration"].value + 60
        self.kv = await bucket(nc, subjects.WS_BUCKET, history=1, ttl=ttl)
        await nc.subscribe(subjects.ws_gateway(self.node_id), cb=self._remote)

    async def add(self, connection_id: str, held: Held, connected_at: int) -> None:
        self.held[connection_id] = held
        await self.kv.put(connection_id, orjson.dumps({"node": self.node_id, "principal": held.principal,
                                                       "connectedAt": connected_at}))

    async def remove(self, connection_id: str) -> None:
        if self.held.pop(connection_id, None) is not None:
            try:
                await self.kv.delete(connection_id)
            except Exception:  # the engine is away (shutting down): the entry expires with its TTL
                log.debug("could not unregister WebSocket connection %s", connection_id)

    # -- operations (here or at the owner) ---------------------------------------------
    async def call(self, op: str, connection_id: str, principal: str, stage: str | None, data: bytes = b"") -> dict:
        """Run ``post`` / ``describe`` / ``delete`` where the connection lives; raises the AWS errors."""
        if connection_id in self.held:
            return await self._local(op, connection_id, principal, stage, data)
        try:
            entry = await self.kv.get(connection_id)
            owner = orjson.loads(entry.value)["node"] if entry.value else None
        except (KeyNotFoundError, ValueError):
            owner = None
        if owner is None or owner == self.node_id:
            raise GoneException("The connection with the provided id no longer exists.")
        request = {"op": op, "id": connection_id, "principal": principal, "stage": stage,
                   "data": base64.b64encode(data).decode("ascii")}
        try:
            msg = await self.nc.request(subjects.ws_gateway(owner), orjson.dumps(request), timeout=REMOTE_TIMEOUT_S)
        except NoRespondersError:  # the owner died with its sockets
            await self._forget(connection_id)
            raise GoneException("The connection with the provided id no longer exists.") from None
        except NatsTimeout:
            raise OvercastError("the gateway holding the connection did not answer") from None
        reply = orjson.loads(msg.data)
        if "error" in reply:
            raise _ERRORS.get(reply["error"], OvercastError)(reply.get("message", ""))
        return reply["result"]

    async def _local(self, op: str, connection_id: str, principal: str, stage: str | None, data: bytes) -> dict:
        held = self.held.get(connection_id)
        if held is None:
            raise GoneException("The connection with the provided id no longer exists.")
        # Like IAM on AWS: a key reaches its own API's connections only (and under its own stage).
        if principal != held.principal or (stage is not None and stage != held.stage):
            raise ForbiddenException("Forbidden")
        if op == "post":
            await held.post(data)
            return {}
        if op == "describe":
            return held.describe()
        await held.disconnect()
        return {}

    async def _remote(self, msg) -> None:
        try:
            req = orjson.loads(msg.data)
            result = await self._local(req["op"], req["id"], req["principal"], req.get("stage"),
                                       base64.b64decode(req.get("data") or ""))
            reply = {"result": result}
        except OvercastError as exc:
            reply = {"error": exc.aws_name or "InternalServerError", "message": exc.message}
        except Exception:
            log.exception("@connections call failed inside the gateway")
            reply = {"error": "InternalServerError", "message": "Internal server error"}
        await msg.respond(orjson.dumps(reply))

    async def _forget(self, connection_id: str) -> None:
        try:
            await self.kv.delete(connection_id)
        except Exception:
            pass


async def handle_management(registry: Registry, keys, scope, receive, stage: str | None,
                            connection_id: str) -> Answer:
    """One management API request, answered in the rest-json shape boto3 parses."""
    method = scope["method"]
    limit = limits.LIMITS["websocket.message_size"]
    body = await read_body(receive, limit.value)
    try:
        if body is None:
            raise PayloadTooLargeException(limit.describe_violation())
        try:
            signed = sigv4.parse_request(method, scope.get("raw_path") or scope["path"].encode(),
                                         scope.get("query_string", b""), scope["headers"], body,
                                         service="execute-api")
            key = sigv4.check_signature(signed, await keys.get(signed.access_key_id))
        except sigv4.SignatureError as exc:  # API Gateway answers every auth failure with 403
            raise ForbiddenException(exc.message) from None
        if method == "POST":
            await registry.call("post", connection_id, key.principal, stage, body)
            return 200, [_JSON], b"{}"
        if method == "GET":
            result = await registry.call("describe", connection_id, key.principal, stage)
            return 200, [_JSON], orjson.dumps(result)
        if method == "DELETE":
            await registry.call("delete", connection_id, key.principal, stage)
            return 204, [], b""
        return 404, [_JSON], b'{"message":"Not Found"}'
    except OvercastError as exc:
        name = exc.aws_name or "InternalServerError"
        return exc.http_status, [_JSON, (b"x-amzn-errortype", name.encode())], orjson.dumps({"message": exc.message})
    except Exception:  # ours: logged, never shown
        log.exception("@connections %s %s failed inside the gateway", method, connection_id)
        return 500, [_JSON, (b"x-amzn-errortype", b"InternalServerError")], b'{"message":"Internal server error"}'
