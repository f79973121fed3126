"""``overcast dev DIR``: the whole platform for one stack directory on this machine.

Starts the embedded engine (or uses ``--nats``), writes the stack's desired
state, starts the runtime and the gateway, waits until both serve that
revision, prints the URL, then follows edits: a changed stack file is
validated and, if valid, becomes the next revision; changed code is picked up
by the runtime itself on the next request.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from overcast import limits
from overcast.deploy.state import publish, state_of
from overcast.engine import subjects
from overcast.engine.connect import connect, ensure_resources
from overcast.engine.server import EmbeddedNats
from overcast.errors import EngineError, OvercastError, SpecError
from overcast.platform import discovery
from overcast.platform.supervisor import Supervisor
from overcast.spec import load_stack

READY_TIMEOUT_S = 30.0


@dataclass
class DevOptions:
    stack_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    nats_url: str | None = None
    nats_binary: str | None = None
    idle_timeout: float = 300.0
    limit_overrides: dict = field(default_factory=dict)


class DevLock(OvercastError):
    code = "dev.locked"


def _lock(store: Path):
    store.mkdir(parents=True, exist_ok=True)
    fh = open(store / "lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise DevLock(f"another `overcast dev` already runs for {store.parent} (lock {store / 'lock'})") from None
    return fh


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OvercastError(f"cannot listen on {host}:{port}: {exc.strerror} (use --port 0 for a free port)") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def _wait_ready(nc, stack: str, revision: int, sup: Supervisor, stop: asyncio.Event) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = {"gateway", "runtime"}
    while pending and not stop.is_set():
        for role in list(pending):
            try:
                msg = await nc.request(subjects.status(role), b"", timeout=0.5)
            except Exception:  # not up yet (no responders / timeout)
                continue
            if orjson.loads(msg.data)["stacks"].get(stack, 0) >= revision:
                pending.discard(role)
        if not pending:
            return
        sup.check()
        if time.monotonic() > deadline:
            raise EngineError(f"{', '.join(sorted(pending))} did not report revision {revision} of stack "
                              f"{stack!r} within {READY_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.05)


async def run_dev(opts: DevOptions, out=print) -> None:
    """Run until SIGINT/SIGTERM. Raises SpecError for an invalid stack file at start."""
    stack = load_stack(opts.stack_dir)
    limits.configure(opts.limit_overrides)
    store = stack.root / ".overcast"
    lock = _lock(store)
    engine = None
    sup = Supervisor(log=out)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    nc = None
    written: list[Path] = []
    try:
        url = opts.nats_url
        if url is None:
            engine = EmbeddedNats(store, opts.nats_binary)
            url = engine.start()  # from this thread: the engine's death signal is tied to it
        nc = await connect(url, "overcast-dev")
        await ensure_resources(nc)
        revision = await publish(nc, state_of(stack))
        sock = _bind(opts.host, opts.port)
        sup.start("runtime", "overcast.runtime", ["--nats", url, "--idle-timeout", str(opts.idle_timeout)])
        sup.start("gateway", "overcast.gateway", ["--nats", url, "--fd", str(sock.fileno())], (sock.fileno(),))
        await _wait_ready(nc, stack.spec.stack, revision, sup, stop)
        if stop.is_set():
            return
        host, port = sock.getsockname()[:2]
        base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        written = discovery.write(store, {"nats": url, "url": base, "pid": os.getpid(), "project": str(stack.root),
                                          "stack": stack.spec.stack})
        out(f"overcast: stack {stack.spec.stack!r} serving at {base}  (engine {url}; Ctrl-C to stop)")
        await _follow(nc, stack, sup, stop, out, engine)
    finally:
        sup.stop()
        if nc is not None:
            try:
                await nc.close()
            except Exception:  # closing a broken connection must not hide the real error
                pass
        if engine is not None:
            engine.stop()
        for path in written:
            path.unlink(missing_ok=True)
        lock.close()


def _signature(path: Path) -> tuple:
    try:
        st = path.stat()
    except FileNotFoundError:
        return ()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


async def _follow(nc, stack, sup: Supervisor, stop: asyncio.Event, out, engine) -> None:
    seen = _signature(stack.file)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except asyncio.TimeoutError:
            pass
        if engine is not None and not engine.alive():
            raise EngineError(f"the embedded nats-server stopped (see {engine.store / 'nats.log'}); shutting down")
        sup.check()
        now = _signature(stack.file)
        if now == seen:
            continue
        seen = now
        try:
            fresh = load_stack(stack.file)
        except SpecError as exc:
            out(f"overcast: {stack.file.name} not applied, still serving the previous revision:\n{exc}")
            continue
        if fresh.spec.stack != stack.spec.stack:
            out(f"overcast: renaming the stack ({stack.spec.stack!r} -> {fresh.spec.stack!r}) needs a restart "
                "of `overcast dev`; change not applied")
            continue
        revision = await publish(nc, state_of(fresh))
        await _wait_ready(nc, fresh.spec.stack, revision, sup, stop)
        out(f"overcast: {stack.file.name} applied (revision {revision})")
