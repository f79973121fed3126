"""@connections calls reach the gateway holding the socket, over the real engine (two registries = two gateways)."""

from __future__ import annotations

import uuid

import nats
import pytest
from nats.js.errors import KeyNotFoundError

from overcast.gateway.connections import ForbiddenException, GoneException, Registry


class Socket:
    """What a gateway holds for one connection (the registry's view of a ``Session``)."""

    def __init__(self, principal: str, stage: str) -> None:
        self.principal, self.stage = principal, stage
        self.sent: list[bytes] = []
        self.closed = False

    def describe(self) -> dict:
        return {"connectedAt": "2024-11-11T11:35:24.553Z", "lastActiveAt": "2024-11-11T11:35:25.000Z",
                "identity": {"sourceIp": "10.1.2.3", "userAgent": "t"}}

    async def post(self, data: bytes) -> None:
        self.sent.append(data)

    async def disconnect(self) -> None:
        self.closed = True


async def test_calls_are_routed_to_the_owning_gateway(engine_url):
    nc_a, nc_b = await nats.connect(engine_url), await nats.connect(engine_url)
    try:
        owner, other = Registry(f"a{uuid.uuid4().hex[:8]}"), Registry(f"b{uuid.uuid4().hex[:8]}")
        await owner.start(nc_a)
        await other.start(nc_b)
        cid = uuid.uuid4().hex[:15] + "="
        socket = Socket("dev.chat", "dev")
        await owner.add(cid, socket, 1731324924553)

        await other.call("post", cid, "dev.chat", "dev", b"\x00hello")
        assert socket.sent == [b"\x00hello"]
        assert (await other.call("describe", cid, "dev.chat", None))["identity"]["sourceIp"] == "10.1.2.3"
        with pytest.raises(ForbiddenException):
            await other.call("post", cid, "dev.other", None, b"x")
        with pytest.raises(ForbiddenException):
            await other.call("post", cid, "dev.chat", "prod", b"x")
        with pytest.raises(GoneException):
            await other.call("post", "nosuchconnection", "dev.chat", None, b"x")
        await other.call("delete", cid, "dev.chat", None)
        assert socket.closed

        await owner.remove(cid)
        with pytest.raises(GoneException):
            await other.call("describe", cid, "dev.chat", None)
    finally:
        await nc_b.close()
        if not nc_a.is_closed:
            await nc_a.close()


async def test_a_dead_gateways_connections_are_gone(engine_url):
    nc_a, nc_b = await nats.connect(engine_url), await nats.connect(engine_url)
    try:
        owner, other = Registry(f"a{uuid.uuid4().hex[:8]}"), Registry(f"b{uuid.uuid4().hex[:8]}")
        await owner.start(nc_a)
        await other.start(nc_b)
        cid = uuid.uuid4().hex[:15] + "="
        await owner.add(cid, Socket("dev.chat", "dev"), 1)
        await nc_a.close()  # the owner dies without unregistering
        with pytest.raises(GoneException):
            await other.call("post", cid, "dev.chat", None, b"x")
        with pytest.raises(KeyNotFoundError):  # and the stale entry was dropped
            await other.kv.get(cid)
    finally:
        await nc_b.close()
