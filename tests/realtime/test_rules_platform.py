"""Topic rules on a real platform: messages on NATS subjects (where devices' MQTT PUBLISHes land) go through the
rules of the `rules` fixture stack to every kind of action; failures reach the error action."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid

import nats
import pytest

from tests.realtime.rules_support import Inbox, client, receive_until, records, rules_platform, wait_records


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with rules_platform(tmp_path_factory, "rules") as p:
        yield p


def new_run() -> str:
    return f"r{uuid.uuid4().hex[:12]}"


async def _connect(platform):
    return await nats.connect(platform.nats_url)


def test_a_matching_message_reaches_every_action(platform):
    run, cold, deep = new_run(), new_run(), new_run()
    kinesis, sqs, dynamodb = client(platform, "kinesis"), client(platform, "sqs"), client(platform, "dynamodb")

    async def scenario():
        nc = await _connect(platform)
        alerts = Inbox()
        await nc.subscribe("alerts.>", cb=alerts.cb)
        # skipped, in order: not JSON (the SQL reads fields), WHERE false, topic one level too deep for '+'
        await nc.publish("telemetry.dev1.data", b"\x00\xffnot json")
        await nc.publish("telemetry.dev1.data", json.dumps({"temp": 20, "run": cold}).encode())
        await nc.publish("telemetry.x.y.data", json.dumps({"temp": 99, "run": deep}).encode())
        await nc.publish("telemetry.dev1.data", json.dumps({"temp": 35.5, "run": run, "extra": 1}).encode())
        subject, data, headers = await alerts.next()  # the first republish is the matching message's
        assert subject == "alerts.dev1"
        assert json.loads(data) == {"temp": 35.5, "run": run, "device": "dev1"}
        assert headers["Nmqtt-Pub"] == "1"  # republished at QoS 1
        assert headers["Overcast-Rule"] == "dev.rules.hot"
        [event] = await wait_records(platform.stack_dir, run)
        assert event == {"temp": 35.5, "run": run, "device": "dev1"}
        messages = await receive_until(sqs, "alerts", run)
        assert [m["run"] for m in messages] == [run]  # nothing from the skipped ones before it
        await nc.close()

    asyncio.run(scenario())
    assert records(platform.stack_dir, cold) == [] and records(platform.stack_dir, deep) == []
    shard = kinesis.list_shards(StreamName="events")["Shards"][0]["ShardId"]
    it = kinesis.get_shard_iterator(StreamName="events", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    got = kinesis.get_records(ShardIterator=it["ShardIterator"])["Records"]
    mine = [r for r in got if json.loads(r["Data"]).get("run") == run]
    assert len(mine) == 1 and mine[0]["PartitionKey"] == "dev1"
    item = dynamodb.get_item(TableName="readings", Key={"device": {"S": "dev1"}, "run": {"S": run}})["Item"]
    assert item == {"device": {"S": "dev1"}, "run": {"S": run}, "temp": {"N": "35.5"}}


def test_a_failing_action_sends_aws_error_envelope_to_the_error_action(platform):
    run = new_run()
    payload = json.dumps({"run": run}).encode()
    sqs = client(platform, "sqs")

    async def scenario():
        nc = await _connect(platform)
        ok = Inbox()
        await nc.subscribe(f"broken-ok.{run}", cb=ok.cb)
        await nc.publish("broken.dev7", payload)
        _, data, _ = await ok.next()  # the other action of the rule still ran
        assert json.loads(data) == {"run": run}
        [envelope] = await receive_until(sqs, "rule-errors", base64.b64encode(payload).decode())
        await nc.close()
        return envelope

    envelope = asyncio.run(scenario())
    assert envelope.pop("cloudwatchTraceId")
    [failure] = envelope.pop("failures")
    assert envelope == {"ruleName": "broken", "topic": "broken/dev7", "clientId": "n/a",
                        "base64OriginalPayload": base64.b64encode(payload).decode()}
    assert failure["failedAction"] == "SqsAction" and failure["failedResource"] == "no-such-queue"
    assert "no-such-queue" in failure["errorMessage"]


def test_a_disabled_rule_does_nothing(platform):
    paused, probe = new_run(), new_run()

    async def scenario():
        nc = await _connect(platform)
        await nc.publish("off.x", json.dumps({"run": paused}).encode())
        await nc.publish("loop.x", json.dumps({"run": probe}).encode())
        await wait_records(platform.stack_dir, probe)  # the engine handled what came after it
        await nc.close()

    asyncio.run(scenario())
    assert records(platform.stack_dir, paused) == []


def test_a_republish_into_the_rules_own_topic_does_not_trigger_it_again(platform):
    """AWS IoT lets a rule republish into its own FROM topic (and loops); overcast delivers the republished
    message to subscribers and other rules, never back to the rule that made it."""
    run, sentinel = new_run(), new_run()

    async def scenario():
        nc = await _connect(platform)
        seen = Inbox()
        await nc.subscribe("loop.>", cb=seen.cb)
        await nc.publish("loop.x", json.dumps({"run": run}).encode())
        got = [await seen.next(), await seen.next()]
        assert [s for s, _, _ in got] == ["loop.x", "loop.again"]
        assert json.loads(got[1][1]) == {"run": run, "note": "looped"}
        assert got[1][2]["Overcast-Rule-Hops"] == "1"
        await wait_records(platform.stack_dir, run)
        # the republished message reached the rule's subscription before this one: had the rule taken it,
        # it would have republished and recorded it before handling the sentinel
        await nc.publish("loop.y", json.dumps({"run": sentinel}).encode())
        await wait_records(platform.stack_dir, sentinel)
        rest = []
        while not seen.items.empty():
            rest.append(seen.items.get_nowait())
        await nc.close()
        return rest

    rest = asyncio.run(scenario())
    assert len(records(platform.stack_dir, run)) == 1
    assert [json.loads(d)["run"] for s, d, _ in rest if s == "loop.again"] in ([], [sentinel])
