"""``overcast dev DIR``: the whole platform for one stack directory on this machine.

Starts the embedded engine (or uses ``--nats``) and a node (runtime, gateway,
control API), deploys the stack from its live directory through the same
state documents ``overcast deploy`` writes, waits until it is served, prints
the URL, then follows edits: a changed stack file is validated and, if
valid, becomes the next revision; changed code is picked up by the runtime
itself on the next request.
"""

from __future__ import annotations

import asyncio
import configparser
import fcntl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from overcast.compat import keys
from overcast.compat.keys import KeyStore
from overcast.control import auth
from overcast.deploy import health
from overcast.deploy.live import publish_live
from overcast.deploy.render import render_plan
from overcast.engine.connect import connect
from overcast.engine.server import EmbeddedNats
from overcast.errors import EngineError, OvercastError, SpecError
from overcast.platform import discovery
from overcast.platform.node import Node, NodeOptions, stop_event
from overcast.platform.supervisor import Supervisor
from overcast.realtime.devices import THINGS_FILE, EngineUsers
from overcast.runtime.config import REGION
from overcast.spec import load_stack
from overcast.tables.storage import open_storage

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
    stage: str = "dev"
    control_port: int = 0
    tables_url: str | None = None  # default: sqlite file in the project's .overcast/
    insecure: bool = False  # accept anonymous MQTT / MQTT-over-WebSocket clients, allowed every topic
    mqtt_port: int = 0  # the embedded engine's MQTT listener; 0 picks a free one
    mqtt_ws_port: int = 0  # its MQTT-over-WebSocket listener; 0 picks a free one


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


async def run_dev(opts: DevOptions, out=print) -> None:
    """Run until SIGINT/SIGTERM. Raises SpecError for an invalid stack file at start."""
    stack = load_stack(opts.stack_dir, stage=opts.stage)
    store = stack.root / ".overcast"
    lock = _lock(store)
    engine = None
    stop = stop_event()
    node = Node(NodeOptions(nats_url=opts.nats_url, host=opts.host, port=opts.port, control_port=opts.control_port,
                            data_dir=store, idle_timeout=opts.idle_timeout, default_stage=stack.stage,
                            limit_overrides=opts.limit_overrides,
                            tables_url=opts.tables_url or f"sqlite:///{store / 'tables.db'}"), out)
    nc = storage = users = None
    written: list[Path] = []
    try:
        url = opts.nats_url
        if url is None:
            engine = EmbeddedNats(store, opts.nats_binary, insecure=opts.insecure, mqtt_port=opts.mqtt_port,
                                  ws_port=opts.mqtt_ws_port)
            url = engine.start()  # from this thread: the engine's death signal is tied to it
        await node.prepare(url)
        nc = await connect(url, "overcast-dev")
        credentials, key = await ensure_credentials(nc, store / "credentials", f"{stack.stage}.{stack.spec.stack}")
        storage = open_storage(node.opts.tables_url)
        await storage.open()
        revision, _ = await publish_live(nc, stack, key, storage)
        if engine is not None:  # the things just deployed can connect once "serving" is printed
            users = EngineUsers(nc, engine, store / THINGS_FILE, f"{stack.stage}.{stack.spec.stack}")
            await users.sync()
            users.start()
        node.start(url)
        await _wait_ready(nc, stack, revision, node.sup, stop)
        if stop.is_set():
            return
        await node.wait_control()
        written = discovery.write(store, node.info(url, project=str(stack.root), stack=stack.spec.stack,
                                                   credentialsFile=str(credentials),
                                                   **_mqtt_info(engine, store)))
        _say_mqtt(out, engine, opts, store)  # before "serving": whoever waits for that line has the URLs
        out(f"overcast: stack {stack.spec.stack!r} serving at {node.gateway_url}  (engine {url}; "
            f"control {node.control_url}; Ctrl-C to stop)")
        out(f"overcast: tables {node.opts.tables_url}; AWS SDK credentials {credentials} (profile overcast), "
            f"endpoint {node.gateway_url}")
        await _follow(nc, stack, node.sup, stop, out, engine, key, storage, users)
    finally:
        if users is not None:
            await users.stop()
        node.stop()
        if storage is not None:
            await storage.close()
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


async def _wait_ready(nc, stack, revision: int, sup: Supervisor, stop: asyncio.Event) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not stop.is_set():
        sup.check()
        try:
            await health.wait_applied(nc, stack.stage, stack.spec.stack, revision, 0.5, stop)
            return
        except health.NotApplied as exc:
            if time.monotonic() > deadline:
                raise EngineError(str(exc)) from None


async def ensure_credentials(nc, path: Path, principal: str):
    """(file, key): a platform-issued access key for the dev stack, also written in AWS's
    shared-credentials format (profile ``overcast``) for boto3 and the AWS CLI."""
    if path.is_file():
        parser = configparser.ConfigParser()
        parser.read(path)
        akid = parser.get("overcast", "aws_access_key_id", fallback="")
        found = await KeyStore(nc).get(akid) if akid else None
        if found is not None and found.principal == principal:
            return path, found
    key = await keys.issue(nc, principal)
    auth.write_token_file(path, keys.credentials_file(key, REGION).rstrip("\n"))
    return path, key


def _signature(path: Path) -> tuple:
    try:
        st = path.stat()
    except FileNotFoundError:
        return ()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _mqtt_info(engine, store: Path) -> dict:
    if engine is None:
        return {}
    return {"mqtt": engine.mqtt_url, "mqttWebSocket": engine.ws_url, "thingsFile": str(store / THINGS_FILE)}


def _say_mqtt(out, engine, opts: DevOptions, store: Path) -> None:
    if engine is None:
        if opts.insecure:
            out("overcast: --insecure has no effect with --nats: that server's operator configures MQTT users")
        if opts.mqtt_port or opts.mqtt_ws_port:
            out("overcast: --mqtt-port/--mqtt-ws-port have no effect with --nats: that server's own mqtt {} and "
                "websocket {} blocks set its ports")
        return
    out(f"overcast: MQTT {engine.mqtt_url}  MQTT over WebSocket {engine.ws_url}  (things' credentials in "
        f"{store / THINGS_FILE}, or `overcast things credentials NAME`)")
    if opts.insecure:
        out("overcast: WARNING: --insecure: ANONYMOUS MQTT AND MQTT-OVER-WEBSOCKET CLIENTS ARE ACCEPTED and may "
            "publish and subscribe to ANY topic; never use this outside a development machine")


async def _follow(nc, stack, sup: Supervisor, stop: asyncio.Event, out, engine, key, storage, users=None) -> None:
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
            fresh = load_stack(stack.file, stage=stack.stage)
        except SpecError as exc:
            out(f"overcast: {stack.file.name} not applied, still serving the previous revision:\n{exc}")
            continue
        if fresh.spec.stack != stack.spec.stack:
            out(f"overcast: renaming the stack ({stack.spec.stack!r} -> {fresh.spec.stack!r}) needs a restart "
                "of `overcast dev`; change not applied")
            continue
        try:
            revision, plan = await publish_live(nc, fresh, key, storage)
        except OvercastError as exc:
            out(f"overcast: {stack.file.name} not applied, still serving the previous revision: {exc.message}")
            continue
        await _wait_ready(nc, fresh, revision, sup, stop)
        if users is not None:
            try:
                await users.sync()
            except OvercastError as exc:
                out(f"overcast: MQTT users not updated: {exc.message}")
        out(render_plan(plan, color=sys.stderr.isatty()).rstrip("\n"))
        out(f"overcast: {stack.file.name} applied (revision {revision})")
