"""WebSocket APIs on the gateway: one ASGI ``websocket`` connection from upgrade to ``$disconnect``.

``$connect`` decides (non-2xx or an error: HTTP 403 before the upgrade, as
API Gateway; no ``$connect`` route: accepted). A message goes to the route its
JSON body selects, else ``$default``, else AWS's ``Forbidden`` frame; a result
``{"body": ...}`` is sent back (every route acts as if it had a route response).
The socket lives in the gateway, not in a worker: environments may die or be
replaced while the client stays connected.

:class:`WebSockets` holds the APIs by path and the ``@connections`` registry; each connection is a
:class:`~overcast.gateway.wssession.Session` (in :mod:`overcast.gateway.wssession`).
"""

from __future__ import annotations

from overcast.gateway.connections import Registry, handle_management, match_path
from overcast.gateway.wsapis import Route, WsApi, build_apis, invoke
from overcast.gateway.wssession import Session


class WebSockets:
    """The gateway's WebSocket side: APIs by path, the sockets it holds, the ``@connections`` registry."""

    def __init__(self, node_id: str) -> None:
        self.apis: dict[str, WsApi] = {}
        self.registry = Registry(node_id)
        self.requester = None

    async def start(self, nc, requester) -> None:
        self.requester = requester
        await self.registry.start(nc)

    def set_states(self, states: dict[tuple[str, str], dict], default_stage: str) -> None:
        self.apis = build_apis(states, default_stage)

    async def handle(self, scope, receive, send) -> None:
        """One ASGI ``websocket`` connection, from the upgrade request to ``$disconnect``."""
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        api = self.apis.get(scope["path"])
        if api is None:
            await send({"type": "websocket.close"})  # answered 403 before the upgrade
            return
        session = Session(self, api, scope, send)
        if not await session.connect():
            await send({"type": "websocket.close"})
            return
        await send({"type": "websocket.accept"})
        try:
            await self.registry.add(session.origin.connection_id, session, session.origin.connected_at)
            await session.run(receive)
        finally:
            await self.registry.remove(session.origin.connection_id)
            await session.disconnected()

    async def management(self, scope, receive, keys):
        """The answer ``(status, headers, body)`` to a ``[/STAGE]/@connections/{id}`` request, else None."""
        found = match_path(scope["path"])
        if found is None:
            return None
        return await handle_management(self.registry, keys, scope, receive, *found)

    async def invoke(self, route: Route, event: dict) -> tuple[str, object]:
        return await invoke(self.requester, route, event)
