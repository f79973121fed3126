"""Pools grow under concurrent load and shrink back when idle."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import time

import httpx
import nats
import orjson

from overcast.engine import subjects
from overcast.testing import running_platform

STACK = """
stack: elastic
functions:
  work:
    handler: app.handler
    timeout: 5
    routes: ["GET /work"]
"""


def runtime_status(nats_url: str) -> dict:
    async def ask():
        nc = await nats.connect(nats_url)
        try:
            msg = await nc.request(subjects.status("runtime"), b"", timeout=2)
            return orjson.loads(msg.data)
        finally:
            await nc.close()
    return asyncio.run(ask())


def test_pool_grows_with_concurrency_and_shrinks_when_idle(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "app.py").write_text("import os, time\n\ndef handler(e, c):\n    time.sleep(0.5)\n"
                                     "    return os.getpid()\n")
    with running_platform(tmp_path, "--idle-timeout", "1") as p:
        with cf.ThreadPoolExecutor(4) as pool:
            pids = set(pool.map(lambda _: httpx.get(p.url + "/work", timeout=10).json(), range(4)))
        assert len(pids) == 4
        assert runtime_status(p.nats_url)["pools"]["elastic.work"]["environments"] == 4
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if runtime_status(p.nats_url)["pools"]["elastic.work"]["environments"] == 0:
                break
            time.sleep(0.2)
        assert runtime_status(p.nats_url)["pools"]["elastic.work"]["environments"] == 0
        # and it comes back on demand
        assert httpx.get(p.url + "/work", timeout=10).status_code == 200
