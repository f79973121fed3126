"""What the control API does, one method per endpoint (the HTTP layer is in app.py)."""

from __future__ import annotations

import time
from pathlib import Path

from overcast.control import auth
from overcast.deploy import aliases, applier, artifacts, publishing, state
from overcast.deploy.errors import BadRequest
from overcast.deploy.render import render_plan
from overcast.engine.connect import connect, ensure_resources
from overcast.errors import OvercastError
from overcast.tables.storage import open_storage

DIGEST_CACHE_S = 1.0


class NotDeployed(OvercastError):
    code = "deploy.not_found"
    http_status = 404


class Service:
    def __init__(self, nats_url: str, token_file: Path | None = None, tables_url: str | None = None) -> None:
        self.nats_url = nats_url
        self.token_file = token_file
        self.tables_url = tables_url
        self.storage = None
        self.nc = None
        self._digest: tuple[float, str | None] = (0.0, None)

    async def start(self) -> None:
        self.nc = await connect(self.nats_url, "overcast-control")
        await ensure_resources(self.nc)
        if self.token_file is not None:
            await auth.ensure_token(self.nc, self.token_file)
        if self.tables_url:
            self.storage = open_storage(self.tables_url)
            await self.storage.open()

    async def stop(self) -> None:
        if self.storage is not None:
            await self.storage.close()
        if self.nc is not None:
            await self.nc.drain()

    async def token_digest(self) -> str | None:
        at, value = self._digest
        if time.monotonic() - at > DIGEST_CACHE_S:
            value = await auth.stored_digest(self.nc)
            self._digest = (time.monotonic(), value)
        return value

    async def _doc(self, stage: str, stack: str) -> dict:
        doc, _ = await state.read(self.nc, stage, stack)
        if doc is None:
            raise NotDeployed(f"stack {stack!r} is not deployed in stage {stage!r}")
        return doc

    # -- reading --------------------------------------------------------------
    async def stacks(self, *, query, **_) -> dict:
        docs = await state.read_all(self.nc, query.get("stage"))
        return {"stacks": [
            {"stage": stage, "stack": stack, "revision": doc.get("revision"), "deployedAt": doc.get("deployedAt"),
             "source": doc.get("source"), "functions": sorted(doc["spec"]["functions"]),
             "outputs": doc.get("outputs") or {}, "imports": doc.get("imports") or []}
            for (stage, stack), doc in sorted(docs.items())]}

    async def stack(self, stage: str, stack: str, **_) -> dict:
        return await self._doc(stage, stack)

    async def outputs(self, stage: str, stack: str, **_) -> dict:
        return {"outputs": (await self._doc(stage, stack)).get("outputs") or {}}

    async def history(self, stage: str, stack: str, **_) -> dict:
        entries = [(kv, doc) for kv, doc in await state.history(self.nc, stage, stack)
                   if doc is None or doc.get("phase") != "staged"]
        if not entries:
            raise NotDeployed(f"stack {stack!r} has no history in stage {stage!r}")
        return {"history": [
            {"kvRevision": kv, "removed": True} if doc is None else
            {"kvRevision": kv, "revision": doc.get("revision"), "deployedAt": doc.get("deployedAt"),
             "source": doc.get("source"), "code": doc.get("code"), "versions": doc.get("versions")}
            for kv, doc in entries]}

    # -- code -------------------------------------------------------------------
    async def code_exists(self, sha: str, **_) -> dict:
        return {"exists": await artifacts.exists(self.nc, sha)}

    async def code_upload(self, sha: str, *, body: bytes, **_) -> dict:
        if len(body) > artifacts.MAX_CODE_BYTES:
            raise BadRequest(f"code archive of {len(body)} bytes is over {artifacts.MAX_CODE_BYTES}")
        try:
            stored = await artifacts.upload(self.nc, sha, body)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return {"stored": stored, "sha256": sha}

    # -- changing -----------------------------------------------------------------
    async def plan(self, *, payload, **_) -> dict:
        plan, _current, kv_revision, _new = await applier.plan_request(self.nc, payload or {})
        return {"plan": plan.to_json(), "text": render_plan(plan, color=True),
                "plain": render_plan(plan, color=False), "expectRevision": kv_revision}

    async def deploy(self, *, payload, **_) -> dict:
        return await applier.apply(self.nc, payload or {}, self.storage)

    async def remove(self, stage: str, stack: str, *, query, **_) -> dict:
        return await publishing.remove(self.nc, stage, stack, delete_data=query.get("deleteData") in ("1", "true"),
                                    storage=self.storage)

    async def alias(self, stage: str, stack: str, *, payload, **_) -> dict:
        body = payload or {}
        try:
            function, name, version = body["function"], body["alias"], int(body["version"])
        except (KeyError, TypeError, ValueError):
            raise BadRequest('alias request needs {"function", "alias", "version": number}') from None
        return await aliases.set_alias(self.nc, stage, stack, function, name, version)

    async def rollback(self, stage: str, stack: str, *, payload, **_) -> dict:
        to = (payload or {}).get("to")
        return await applier.rollback(self.nc, stage, stack, int(to) if to is not None else None, self.storage)
