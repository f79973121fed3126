"""The embedded engine: the pinned nats-server binary, random ports, JetStream, clean stop."""

from __future__ import annotations

import asyncio

import nats
import pytest

from overcast.engine import subjects
from overcast.engine.connect import ensure_resources
from overcast.engine.server import MAX_PAYLOAD, EmbeddedNats, find_binary
from overcast.errors import EngineError


def test_binary_comes_from_the_pinned_wheel():
    import sysconfig
    assert find_binary().startswith(sysconfig.get_path("scripts"))


def test_starts_on_a_free_port_with_jetstream_and_stops(tmp_path):
    engine = EmbeddedNats(tmp_path / "store")
    url = engine.start()
    try:
        assert url.startswith("nats://127.0.0.1:") and not url.endswith(":4222")

        async def check():
            nc = await nats.connect(url)
            try:
                assert nc.max_payload == MAX_PAYLOAD
                await ensure_resources(nc)
                kv = await nc.jetstream().key_value(subjects.STACKS_BUCKET)
                await kv.put("probe", b"1")
                assert (await kv.get("probe")).value == b"1"
            finally:
                await nc.close()

        asyncio.run(check())
        assert (tmp_path / "store" / "jetstream").is_dir()
    finally:
        engine.stop()
    assert not engine.alive()
    assert not list((tmp_path / "store").glob("*.ports"))


def test_a_bad_binary_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError, match="not an executable file"):
        EmbeddedNats(tmp_path, binary=str(tmp_path / "missing"))


def _mqtt_connack(url: str, username: str | None = None, password: str | None = None) -> str:
    from tests.realtime.mqtt_clients import Device

    client = Device(url, username, password).connect()
    client.close()
    return str(client.connack)


def test_mqtt_and_websocket_listeners_with_users_and_reload(tmp_path):
    from overcast.realtime.things import Thing, render_authorization

    engine = EmbeddedNats(tmp_path / "store")
    url = engine.start()
    try:
        assert engine.mqtt_url.startswith("mqtt://127.0.0.1:") and engine.ws_url.endswith("/mqtt")
        conf = (tmp_path / "store" / "nats.conf").read_text()
        assert f"port: {engine.mqtt_port}" in conf and "no_tls: true" in conf and "server_name" in conf
        assert (tmp_path / "store" / "auth.conf").stat().st_mode & 0o777 == 0o600
        assert _mqtt_connack(engine.mqtt_url) == "Not authorized"  # anonymous: the platform user is STANDARD-only

        async def platform_connects():  # platform processes keep connecting without credentials
            nc = await nats.connect(url)
            await nc.close()

        asyncio.run(platform_connects())
        thing = Thing("probe", "dev", "s", "secret-password", ("a/#",), ("b/+",))
        engine.write_auth(render_authorization([thing]))
        engine.reload()
        assert _mqtt_connack(engine.mqtt_url, "probe", "secret-password") == "Success"
        assert _mqtt_connack(engine.ws_url, "probe", "secret-password") == "Success"
        assert _mqtt_connack(engine.mqtt_url, "probe", "nope") == "Not authorized"
        engine.write_auth("authorization { users: [ {user: broken\n")
        with pytest.raises(EngineError, match="refused its new configuration"):
            engine.reload()
        assert engine.alive() and _mqtt_connack(engine.mqtt_url, "probe", "secret-password") == "Success"
    finally:
        engine.stop()


def test_insecure_engine_accepts_anonymous_mqtt(tmp_path):
    engine = EmbeddedNats(tmp_path / "store", insecure=True)
    engine.start()
    try:
        assert _mqtt_connack(engine.mqtt_url) == "Success"
        assert _mqtt_connack(engine.ws_url) == "Success"
    finally:
        engine.stop()
