"""The registry of deployed things (KV bucket ``overcast_things``) and keeping the engine's users in step with it.

A deploy writes one record per thing (``STAGE.STACK.THING`` → name, owner, password, allow-lists); the password
is made at the thing's first deploy and kept while it stays deployed. The process owning the embedded engine
(``overcast dev``) runs :class:`EngineUsers`: it renders every record into the engine's ``auth.conf`` and reloads
the engine when the text changed, at once after its own deploys and on any change of the bucket (deploys from
other processes). A clustered NATS is configured by its operator instead (README, "MQTT").
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from pathlib import Path

from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError

from overcast.engine.connect import bucket, live_keys
from overcast.engine.serverconfig import write_private
from overcast.realtime.things import Thing, render_authorization, thing_key

log = logging.getLogger("overcast.realtime")

THINGS_BUCKET = "overcast_things"
THINGS_FILE = "things.json"


async def things_bucket(nc: Client):
    return await bucket(nc, THINGS_BUCKET, history=1)


def new_password() -> str:
    return secrets.token_urlsafe(24)


async def all_things(nc: Client) -> list[Thing]:
    kv = await things_bucket(nc)
    keys = await live_keys(kv)
    out = []
    for key in keys:
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:
            continue  # deleted meanwhile
        if entry.value:
            out.append(Thing.from_json(json.loads(entry.value)))
    return out


async def find_thing(nc: Client, name: str, stage: str | None = None, stack: str | None = None) -> list[Thing]:
    """Deployed things called ``name`` (optionally of one stage / stack)."""
    return [t for t in await all_things(nc) if t.name == name and stage in (None, t.stage)
            and stack in (None, t.stack)]


async def put_thing(nc: Client, stage: str, stack: str, name: str, publish, subscribe) -> Thing:
    """Create or update a thing's record, keeping its password if it has one."""
    kv = await things_bucket(nc)
    key = thing_key(stage, stack, name)
    try:
        entry = await kv.get(key)
        password = json.loads(entry.value)["password"] if entry.value else new_password()
    except KeyNotFoundError:
        password = new_password()
    thing = Thing(name, stage, stack, password, tuple(publish), tuple(subscribe))
    await kv.put(key, json.dumps(thing.to_json()).encode())
    return thing


async def delete_thing(nc: Client, stage: str, stack: str, name: str) -> bool:
    kv = await things_bucket(nc)
    try:
        await kv.get(thing_key(stage, stack, name))
    except KeyNotFoundError:
        return False
    await kv.purge(thing_key(stage, stack, name))
    return True


def credentials_doc(things, mqtt_url: str | None, ws_url: str | None) -> dict:
    """What a device needs to connect, per thing (also the shape of ``.overcast/things.json``)."""
    return {t.name: {"username": t.name, "password": t.password, "clientId": t.name, "stage": t.stage,
                     "stack": t.stack, "mqtt": mqtt_url, "websocket": ws_url, "publish": list(t.publish),
                     "subscribe": list(t.subscribe)} for t in sorted(things, key=lambda t: t.name)}


class EngineUsers:
    """Keeps an :class:`~overcast.engine.server.EmbeddedNats`'s users equal to the deployed things."""

    def __init__(self, nc: Client, engine, things_file: Path | None = None, owner: str | None = None) -> None:
        self.nc, self.engine = nc, engine
        self.things_file, self.owner = things_file, owner  # the dev stack's things go to things_file
        self._lock = asyncio.Lock()
        self._applied: str | None = None
        self._task: asyncio.Task | None = None

    async def sync(self) -> bool:
        """Render the users from the bucket; rewrite and reload if they changed. True when reloaded."""
        async with self._lock:
            things = await all_things(self.nc)
            if self.things_file is not None:
                mine = [t for t in things if t.owner == self.owner]
                doc = credentials_doc(mine, self.engine.mqtt_url, self.engine.ws_url)
                write_private(self.things_file, json.dumps(doc, indent=2) + "\n")
            text = render_authorization(things, self.engine.insecure)
            if text == self._applied:
                return False
            self.engine.write_auth(text)
            await asyncio.to_thread(self.engine.reload)
            self._applied = text
            return True

    def start(self) -> None:
        """Follow the bucket in the background (changes made by other processes' deploys)."""
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _follow(self) -> None:
        kv = await things_bucket(self.nc)
        watcher = await kv.watchall(include_history=False)
        try:
            while True:
                try:
                    await watcher.updates(timeout=5.0)
                except asyncio.TimeoutError:
                    continue
                except Exception as exc:  # the engine restarting: try again shortly
                    log.warning("things watch: %s", exc)
                    await asyncio.sleep(0.5)
                    continue
                await _drain(watcher)  # one sync for a burst (a deploy of many things, the initial snapshot)
                try:
                    await self.sync()
                except Exception as exc:  # keep following; the next change tries again
                    log.warning("things: engine users not updated: %s", exc)
        finally:
            await watcher.stop()


async def _drain(watcher, quiet: float = 0.02) -> None:
    """Consume updates until none came for ``quiet`` seconds."""
    while True:
        try:
            await watcher.updates(timeout=quiet)
        except Exception:  # quiet (timeout) or the watch broke: the caller syncs and carries on
            return
