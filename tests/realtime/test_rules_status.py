"""``overcast rules`` on a real platform: the `rules` fixture stack's rules with the dispatcher's counters."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import nats
import pytest

from tests.realtime.rules_support import WAIT, rules_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with rules_platform(tmp_path_factory, "rules-status") as p:
        yield p


def rules_json(platform) -> dict[str, dict]:
    done = platform.cli("rules", "--json")
    assert done.returncode == 0, done.stderr
    return {row["id"]: row for row in json.loads(done.stdout)}


def settled(platform, ready) -> dict[str, dict]:
    """``overcast rules --json`` once ``ready(rows)`` holds (counters are updated as messages are handled)."""
    deadline = time.monotonic() + WAIT
    while True:
        rows = rules_json(platform)
        if ready(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"the counters did not settle: {json.dumps(rows, indent=2)}")
        time.sleep(0.2)


def test_rules_lists_every_rule_with_the_dispatchers_counts(platform):
    run = f"r{uuid.uuid4().hex[:12]}"

    async def publish():
        nc = await nats.connect(platform.nats_url)
        await nc.publish("telemetry.dev1.data", json.dumps({"temp": 35.5, "run": run}).encode())  # matches
        await nc.publish("telemetry.dev1.data", json.dumps({"temp": 20, "run": run}).encode())  # WHERE false
        await nc.publish("telemetry.dev1.data", b"\x00\xffnot json")  # the SQL reads fields: payload error
        await nc.publish("broken.dev7", json.dumps({"run": run}).encode())  # its queue action fails
        await nc.flush()
        await nc.close()

    asyncio.run(publish())
    rows = settled(platform, lambda rows: rows["dev.rules.hot"]["received"] == 3
                   and rows["dev.rules.broken"]["errorActionsDelivered"] == 1
                   and rows["dev.rules.hot"]["inFlight"] == 0)

    assert set(rows) == {"dev.rules.hot", "dev.rules.broken", "dev.rules.paused", "dev.rules.echo"}
    hot = rows["dev.rules.hot"]
    assert hot["topic"] == "telemetry/+/data" and hot["enabled"] is True and hot["note"] is None
    assert hot["actions"] == ["function", "republish", "stream", "queue", "table"] and hot["errorAction"] is None
    assert {k: hot[k] for k in ("received", "matched", "skipped", "payloadErrors", "actionsFailed",
                                "errorActionsDelivered", "errorActionsFailed", "dispatchers")} == {
        "received": 3, "matched": 1, "skipped": 1, "payloadErrors": 1, "actionsFailed": 0,
        "errorActionsDelivered": 0, "errorActionsFailed": 0, "dispatchers": 1}
    assert "telemetry/dev1/data" in hot["lastFailure"]["message"]  # the payload error
    assert hot["lastFailure"]["at"].endswith("Z")

    broken = rows["dev.rules.broken"]
    assert broken["actions"] == ["queue", "republish"] and broken["errorAction"] == "queue"
    assert {k: broken[k] for k in ("received", "matched", "actionsFailed", "errorActionsDelivered",
                                   "errorActionsFailed")} == {
        "received": 1, "matched": 1, "actionsFailed": 1, "errorActionsDelivered": 1, "errorActionsFailed": 0}
    assert "SqsAction no-such-queue" in broken["lastFailure"]["message"]

    paused = rows["dev.rules.paused"]
    assert paused["enabled"] is False and paused["note"] == "disabled"
    assert paused["received"] == 0 and paused["dispatchers"] == 0 and paused["lastFailure"] is None

    assert rows["dev.rules.echo"]["received"] >= 1  # the readiness probes went through it


def test_the_text_output_has_one_line_per_rule(platform):
    done = platform.cli("rules")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sorted(line.split()[0] for line in lines) == [
        "dev.rules.broken", "dev.rules.echo", "dev.rules.hot", "dev.rules.paused"]
    [paused] = [line for line in lines if line.startswith("dev.rules.paused")]
    assert " disabled " in paused and paused.endswith("(disabled)")
    [hot] = [line for line in lines if line.startswith("dev.rules.hot")]
    assert "'telemetry/+/data'" in hot and "function,republish,stream,queue,table" in hot


def test_another_stage_has_no_rules(platform):
    done = platform.cli("rules", "--stage", "prod", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
