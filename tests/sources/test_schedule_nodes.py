"""A schedule deployed to a platform of two nodes fires once per tick (the tick is claimed in the engine).

Both nodes run a dispatcher with the same schedules; each tick must reach the
function exactly once, in EventBridge's "Scheduled Event" shape (or as the
constant input). The default run waits for one tick (at most a minute);
OVERCAST_SLOW=1 waits for three.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter

import pytest

from overcast.testing import stop as stop_proc
from tests.sources.conftest import serve, wait_for

TICKS = 3 if os.environ.get("OVERCAST_SLOW") else 1


@pytest.fixture
def two_nodes(tmp_path_factory, tmp_path):
    ctx, served = serve("sched", tmp_path_factory)
    node = subprocess.Popen([sys.executable, "-m", "overcast", "node", "--nats", served.platform.nats_url,
                             "--port", "0", "--data-dir", str(tmp_path / "node")], stdout=subprocess.PIPE, text=True)
    try:
        assert re.search(r"serving at (http://\S+)", node.stdout.readline())
        yield served
    finally:
        stop_proc(node)
        ctx.__exit__(None, None, None)
        shutil.rmtree(tmp_path / "node", ignore_errors=True)


def test_each_tick_fires_once_across_two_nodes(two_nodes):
    def events():
        return [json.loads(line) for line in two_nodes.lines("ticks.jsonl")]

    wait_for(lambda: len({e["time"] for e in events() if "time" in e}) >= TICKS, 70 * TICKS, f"{TICKS} ticks")
    time.sleep(3)  # a second firing of the same tick would have arrived by now
    scheduled = [e for e in events() if "time" in e]
    assert all(n == 1 for n in Counter(e["time"] for e in scheduled).values())
    assert all(n == 1 for n in Counter(e["id"] for e in scheduled).values())
    first = scheduled[0]
    assert first["detail-type"] == "Scheduled Event" and first["source"] == "aws.events"
    assert first["time"].endswith(":00Z")  # rate(1 minute) ticks on whole minutes
    assert first["resources"][0].startswith("arn:aws:events:") and first["detail"] == {}
    constant = [e for e in events() if e.get("kind") == "constant"]
    assert constant, "the cron schedule with constant input fired"
    assert len(constant) <= len(scheduled) + 1
