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
