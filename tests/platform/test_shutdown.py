"""Clean stop: no orphan process after Ctrl-C, SIGTERM, or even a kill -9 of the supervisor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from overcast.engine.server import EmbeddedNats
from overcast.testing import alive, running_platform
from tests.conftest import EXAMPLES, copy_stack


def _cmd(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_gone(pids, timeout=10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stop_leaves_no_process_behind(tmp_path, sig):
    stack = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
    with running_platform(stack) as p:
        assert httpx.get(p.url + "/hello/world").json() == {"message": "hello world"}
        tree = p.descendants()
        kinds = " ".join(_cmd(pid) for pid in tree)
        for part in ("nats-server", "overcast.gateway", "overcast.runtime", "overcast.runtime.zygote"):
            assert part in kinds
        assert len(tree) >= 5  # engine, gateway, runtime, zygote, one warm environment
        p.proc.send_signal(sig)
        code = p.proc.wait(20)
        assert _wait_gone(tree) == [], [(_cmd(pid), pid) for pid in tree if alive(pid)]
        if sig != signal.SIGKILL:
            assert code == 0
            assert not (stack / ".overcast" / "platform.json").exists()
            assert not list((stack / ".overcast").glob("*.ports"))


def test_uses_an_existing_nats_server_when_given(tmp_path):
    engine = EmbeddedNats(tmp_path / "external")
    url = engine.start()
    try:
        stack = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
        with running_platform(stack, "--nats", url) as p:
            assert p.nats_url == url
            assert httpx.get(p.url + "/hello/there").json() == {"message": "hello there"}
            assert not any("nats-server" in _cmd(pid) for pid in p.descendants())
        assert engine.alive()  # not ours to stop
    finally:
        engine.stop()


def test_port_in_use_is_a_clear_error(tmp_path):
    import socket
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    stack = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
    try:
        out = subprocess.run([sys.executable, "-m", "overcast", "dev", str(stack), "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    finally:
        busy.close()
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr and "--port 0" in out.stderr
    assert "Traceback" not in out.stderr
    # the engine it had started for the project is stopped again
    left = [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and str(stack) in _cmd(int(pid))]
    assert [pid for pid in left if alive(pid)] == []


def test_external_engine_with_a_small_max_payload_gives_a_clear_413(tmp_path):
    engine = EmbeddedNats(tmp_path / "external", max_payload=1024 * 1024)
    url = engine.start()
    try:
        stack = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
        with running_platform(stack, "--nats", url) as p:
            resp = httpx.post(p.url + "/hello/x", content=b"a" * (2 * 1024 * 1024))
            assert resp.status_code == 404  # POST has no route: the size never matters there
            (stack / "overcast.yml").write_text((stack / "overcast.yml").read_text().replace(
                "GET /hello/{name}", "ANY /hello/{name}"))
            deadline = time.monotonic() + 15
            while httpx.post(p.url + "/hello/x").status_code == 404 and time.monotonic() < deadline:
                time.sleep(0.1)
            resp = httpx.post(p.url + "/hello/x", content=b"a" * (2 * 1024 * 1024))
            assert resp.status_code == 413
            assert resp.json() == {"message": "Request Entity Too Large", "limit": "engine.max_payload",
                                   "limitValue": 1024 * 1024}
    finally:
        engine.stop()
