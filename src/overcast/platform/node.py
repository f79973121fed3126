"""One host of the platform: runtime, gateway and control API, joined to a NATS engine.

``overcast node --nats URL`` runs just this against an existing engine; it
learns everything it serves from the desired-state bucket, so any number of
nodes serve the same stacks. ``overcast dev`` runs the same processes next to
an embedded engine.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from overcast import limits
from overcast.control import auth
from overcast.engine.connect import connect, ensure_resources
from overcast.errors import OvercastError
from overcast.platform import discovery
from overcast.platform.supervisor import Supervisor


@dataclass
class NodeOptions:
    nats_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    control_port: int = 0
    data_dir: Path = Path(".overcast")
    idle_timeout: float = 300.0
    default_stage: str = "dev"
    limit_overrides: dict = field(default_factory=dict)
    tables_url: str | None = None


def bind(host: str, port: int, what: str = "--port") -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OvercastError(f"cannot listen on {host}:{port}: {exc.strerror} (use {what} 0 for a free port)") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class Node:
    """The node's child processes under one supervisor."""

    def __init__(self, opts: NodeOptions, out=print) -> None:
        self.opts = opts
        self.sup = Supervisor(log=out)
        self.gateway_url = ""
        self.control_url = ""
        self.token_file = opts.data_dir / "token"

    async def prepare(self, url: str) -> str:
        """Engine-side resources and the platform token; returns the token ("" if made elsewhere)."""
        nc = await connect(url, "overcast-node")
        try:
            await ensure_resources(nc)
            return await auth.ensure_token(nc, self.token_file)
        finally:
            await nc.close()

    def start(self, url: str) -> None:
        opts = self.opts
        limits.configure(opts.limit_overrides)
        gw = bind(opts.host, opts.port)
        ctl = bind(opts.host, opts.control_port, "--control-port")
        self.gateway_url, self.control_url = base_url(gw), base_url(ctl)
        self.sup.start("runtime", "overcast.runtime", ["--nats", url, "--idle-timeout", str(opts.idle_timeout),
                                                       "--cache", str(opts.data_dir / "cache"),
                                                       "--endpoint", self.gateway_url])
        tables = ["--tables", opts.tables_url] if opts.tables_url else []
        self.sup.start("gateway", "overcast.gateway", ["--nats", url, "--fd", str(gw.fileno()),
                                                       "--default-stage", opts.default_stage, *tables],
                       (gw.fileno(),))
        self.sup.start("dispatcher", "overcast.sources", ["--nats", url, *tables])
        self.sup.start("control", "overcast.control", ["--nats", url, "--fd", str(ctl.fileno()), *tables],
                       (ctl.fileno(),))
        self._socks = [gw, ctl]  # kept open: a restarted child inherits them again

    async def wait_control(self, timeout: float = 30.0) -> None:
        """Until the control API answers (its 401 to an anonymous request means it is up)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=1.0) as client:
            while True:
                self.sup.check()
                try:
                    await client.get(self.control_url + "/v1/stacks")
                    return
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise OvercastError(f"the control API at {self.control_url} did not start "
                                            f"within {timeout:.0f} s") from None
                    await asyncio.sleep(0.05)

    def info(self, url: str, **extra) -> dict:
        return {"nats": url, "url": self.gateway_url, "control": self.control_url, "pid": os.getpid(),
                "tokenFile": str(self.token_file.resolve()), **extra}

    def stop(self) -> None:
        self.sup.stop()
        for sock in getattr(self, "_socks", []):
            sock.close()


def stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_node(opts: NodeOptions, out=print) -> None:
    """``overcast node``: serve every deployed stack until SIGINT/SIGTERM."""
    if not opts.nats_url:
        raise OvercastError("overcast node needs --nats URL (the platform's engine)")
    stop = stop_event()
    node = Node(opts, out)
    written: list[Path] = []
    try:
        token = await node.prepare(opts.nats_url)
        node.start(opts.nats_url)
        await node.wait_control()
        written = discovery.write(opts.data_dir, node.info(opts.nats_url, project=str(opts.data_dir.resolve())))
        made = f"; new platform token in {node.token_file}" if token and node.token_file.is_file() else ""
        out(f"overcast: node serving at {node.gateway_url}  (control {node.control_url}; engine {opts.nats_url}"
            f"{made}; Ctrl-C to stop)")
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), 0.25)
            except asyncio.TimeoutError:
                node.sup.check()
    finally:
        node.stop()
        for path in written:
            path.unlink(missing_ok=True)
