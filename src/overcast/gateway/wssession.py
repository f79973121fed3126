"""One WebSocket client connection held by the gateway: its ``$connect``, messages, ``$disconnect`` and sends.

A :class:`Session` is made by :class:`overcast.gateway.websocket.WebSockets` (its ``owner``) for each upgrade;
it invokes routes through the owner and is held in the owner's ``@connections`` registry, which posts to it and
disconnects it. It enforces the connection's limits: idle timeout, maximum duration and
``websocket.message_size`` (AWS closes with 1009 on a larger message; a larger ``@connections`` post is a
``PayloadTooLargeException``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from overcast import limits
from overcast.asgi import header
from overcast.gateway.connections import GoneException, PayloadTooLargeException, iso_ms
from overcast.gateway.events import new_request_id
from overcast.gateway.wsapis import WsApi
from overcast.gateway.wsevents import (
    connect_event,
    disconnect_event,
    disconnect_reason,
    error_frame,
    message_event,
    origin_of,
    select_route,
)
from overcast.spec.websocket import CONNECT, DISCONNECT

if TYPE_CHECKING:
    from overcast.gateway.websocket import WebSockets

log = logging.getLogger("overcast.gateway")


class Session:
    """One client connection held by this gateway."""

    def __init__(self, owner: WebSockets, api: WsApi, scope, send) -> None:
        self.owner, self.api, self.scope, self._send = owner, api, scope, send
        now = _now_ms()
        self.origin = origin_of(scope, new_request_id(), now, api.stage, api.api_id)
        self.user_agent = header(scope, b"user-agent") or ""
        self.last_active = now
        self.closing: tuple[int, str] | None = None  # (code, reason) when we closed it
        self.code = 1005  # the client's close code
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()

    @property
    def principal(self) -> str:
        return self.api.principal

    @property
    def stage(self) -> str:
        return self.api.stage

    def describe(self) -> dict:
        return {"connectedAt": iso_ms(self.origin.connected_at), "lastActiveAt": iso_ms(self.last_active),
                "identity": {"sourceIp": self.origin.source_ip, "userAgent": self.user_agent}}

    async def post(self, data: bytes) -> None:
        limit = limits.LIMITS["websocket.message_size"]
        if len(data) > limit.value:
            raise PayloadTooLargeException(limit.describe_violation(len(data)))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if not await self._frame(text if text is not None else data):
            raise GoneException("The connection with the provided id no longer exists.")

    async def disconnect(self) -> None:
        await self.close(1000, "Goodbye")

    # -- lifecycle ------------------------------------------------------------------
    async def connect(self) -> bool:
        route = self.api.routes.get(CONNECT)
        if route is None:
            return True
        server = self.scope.get("server") or (None, None)
        event = connect_event(self.origin, headers=self.scope["headers"],
                              raw_query=self.scope.get("query_string", b"").decode("latin-1"),
                              scheme=self.scope.get("scheme", "ws"), server_port=server[1],
                              request_id=new_request_id(), now_ms=_now_ms())
        outcome, result = await self.owner.invoke(route, event)
        if outcome != "ok":
            return False
        # A result without statusCode counts as 200, as an HTTP API reads it.
        status = result.get("statusCode", 200) if isinstance(result, dict) else 200
        return type(status) is int and 200 <= status <= 299

    async def run(self, receive) -> None:
        idle = limits.LIMITS["websocket.idle_timeout"].value
        end = self.origin.connected_at / 1000 + limits.LIMITS["websocket.connection_duration"].value
        max_message = limits.LIMITS["websocket.message_size"].value
        while True:
            wait = None if self.closing else max(min(self.last_active / 1000 + idle, end) - time.time(), 0.001)
            try:
                message = await asyncio.wait_for(receive(), wait)
            except asyncio.TimeoutError:
                await self.close(1001, "Going away")  # idle timeout or maximum duration reached
                continue
            if message["type"] == "websocket.disconnect":
                self.code = message.get("code", 1005)
                return
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
            if size > max_message:  # AWS closes the connection with 1009
                await self.close(1009, "Message too big")
                continue
            self.last_active = _now_ms()
            task = asyncio.create_task(self._message(data))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _message(self, data: str | bytes) -> None:
        request_id = new_request_id()
        key = select_route(data, self.api.selection, self.api.routes)
        if key is None:
            await self._frame(error_frame("Forbidden", self.origin.connection_id, request_id))
            return
        event = message_event(self.origin, key, data, message_id=new_request_id(), request_id=request_id,
                              now_ms=_now_ms())
        try:
            outcome, result = await self.owner.invoke(self.api.routes[key], event)
        except Exception:
            log.exception("WebSocket message on %s failed inside the gateway", self.origin.connection_id)
            outcome, result = "error", None
        if outcome == "timeout":
            await self._frame(error_frame("Endpoint request timed out", self.origin.connection_id, request_id))
        elif outcome != "ok":
            await self._frame(error_frame("Internal server error", self.origin.connection_id, request_id))
        elif isinstance(result, dict) and isinstance(result.get("body"), str):
            await self._frame(result["body"])

    async def disconnected(self) -> None:
        route = self.api.routes.get(DISCONNECT)
        if route is None:
            return
        code = self.code
        by_server = self.closing[1] if self.closing else None
        event = disconnect_event(self.origin, status_code=self.closing[0] if self.closing else code,
                                 reason=disconnect_reason(code, by_server), request_id=new_request_id(),
                                 now_ms=_now_ms())
        try:
            await self.owner.invoke(route, event)
        except Exception:  # best effort, as in AWS
            log.warning("$disconnect of %s could not be invoked", self.origin.connection_id)

    # -- sending ----------------------------------------------------------------------
    async def _frame(self, data: str | bytes) -> bool:
        """Send one message; False when the socket is closed already."""
        if self.closing is not None:
            return False
        message = {"type": "websocket.send", "text": data} if isinstance(data, str) else \
            {"type": "websocket.send", "bytes": data}
        async with self._lock:
            try:
                await self._send(message)
            except Exception:  # ClientDisconnected and friends: the socket is gone
                return False
        self.last_active = _now_ms()
        return True

    async def close(self, code: int, reason: str) -> None:
        if self.closing is not None:
            return
        self.closing = (code, reason)
        async with self._lock:
            try:
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
            except Exception:
                pass


def _now_ms() -> int:
    return int(time.time() * 1000)
