"""Pools grow under concurrent load and shrink back when idle."""

from __future__ import annotations

import concurrent.futures as cf
import time

import httpx

from overcast.testing import running_platform

STACK = """
stack: elastic
functions:
  work:
    handler: app.handler
    timeout: 5
    routes: ["GET /work"]
"""


def environments(p) -> int:
    return sum(status["pools"]["dev.elastic.work.latest"]["environments"] for status in p.status("runtime"))


def test_pool_grows_with_concurrency_and_shrinks_when_idle(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "app.py").write_text("import os, time\n\ndef handler(e, c):\n    time.sleep(0.5)\n"
                                     "    return os.getpid()\n")
    with running_platform(tmp_path, "--idle-timeout", "1") as p:
        with cf.ThreadPoolExecutor(4) as pool:
            pids = set(pool.map(lambda _: httpx.get(p.url + "/work", timeout=10).json(), range(4)))
        assert len(pids) == 4
        assert environments(p) == 4
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if environments(p) == 0:
                break
            time.sleep(0.2)
        assert environments(p) == 0
        # and it comes back on demand
        assert httpx.get(p.url + "/work", timeout=10).status_code == 200
