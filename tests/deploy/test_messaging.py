"""Streams and queues as deploy resources: pure resources and plans, and applying plans to the real engine."""

from __future__ import annotations

import json
import uuid

import nats
import pytest

from overcast.deploy.messaging import apply_actions, check_owners, messaging_resources, queue_arn, queue_attributes
from overcast.deploy.planner import plan_deploy, plan_remove
from overcast.deploy.resources import StoredStack, resources_of
from overcast.spec import load_stack_text

TEXT = """
stack: shop-TOKEN
streams:
  orders: {name: "orders-TOKEN", shards: 2, deletionPolicy: delete}
queues:
  jobs: {name: "jobs-TOKEN", visibilityTimeout: 40, redrive: {deadLetterQueue: jobs-dlq, maxReceiveCount: 5}}
  jobs-dlq: {name: "jobs-dlq-TOKEN"}
  work: {name: "work-TOKEN.fifo", fifo: true, contentBasedDeduplication: true}
functions:
  consume:
    handler: app.handler
    events:
      - stream: {stream: orders}
      - sqs: {queue: work}
"""


def spec_of(token: str = "t", text: str = TEXT, stage: str = "dev"):
    return load_stack_text(text.replace("TOKEN", token), stage=stage, env={}).spec


def stored(resources: dict, revision: int = 1) -> StoredStack:
    return StoredStack("shop", "dev", revision, dict(resources))


def test_resources_include_streams_queues_and_implied_dead_letter_queues():
    res = messaging_resources(spec_of(), "dev")
    assert sorted(res) == ["queue:dlq/shop-t-dev-consume-dlq", "queue:dlq/work-t-dlq.fifo", "queue:jobs",
                           "queue:jobs-dlq", "queue:work", "stream:orders"]
    assert res["stream:orders"].props == {"name": "orders-t", "shards": 2, "retentionHours": 24,
                                          "deletionPolicy": "delete"}
    assert res["queue:work"].props["redrive"] == {"deadLetterQueue": "work-t-dlq.fifo", "maxReceiveCount": 3}
    assert set(messaging_resources(spec_of(), "dev")) <= set(resources_of(spec_of(), "code", "dev"))
    assert "queue:dlq/shop-t-prod-consume-dlq" in resources_of(spec_of(stage="prod"), "code", "prod")


def test_queue_attributes_are_sqs_names_and_strings():
    res = messaging_resources(spec_of(), "dev")
    assert queue_attributes(res["queue:jobs"].props) == {
        "VisibilityTimeout": "40", "DelaySeconds": "0", "MessageRetentionPeriod": "345600",
        "MaximumMessageSize": "262144", "ReceiveMessageWaitTimeSeconds": "0",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn("jobs-dlq-t"), "maxReceiveCount": 5}),
    }
    assert queue_arn("x") == "arn:aws:sqs:us-east-1:000000000000:x"
    work = queue_attributes(res["queue:work"].props)
    assert (work["FifoQueue"], work["ContentBasedDeduplication"]) == ("true", "true")
    assert "FifoQueue" not in queue_attributes(res["queue:jobs-dlq"].props)


def test_plans_replace_only_when_allowed_and_retain_by_default():
    old = messaging_resources(spec_of(), "dev")
    plan = plan_deploy(stack="shop", stage="dev", current=stored(old), desired=messaging_resources(
        spec_of(text=TEXT.replace("shards: 2", "shards: 3")), "dev"), desired_outputs={}, imports=[], deployed={})
    action = next(a for a in plan.actions if a.id == "stream:orders")
    assert (action.action, action.data_loss, action.replace_on) == ("replace", True, ("shards",))
    assert any("--allow-replace" in r for r in plan.refusals)

    plan = plan_deploy(stack="shop", stage="dev", current=stored(old), desired=messaging_resources(
        spec_of(text=TEXT.replace("visibilityTimeout: 40", "visibilityTimeout: 50")), "dev"),
        desired_outputs={}, imports=[], deployed={})
    assert plan.ok and [a.action for a in plan.actions if a.action != "no-change"] == ["update"]

    removal = {a.id: (a.action, a.data_loss) for a in plan_remove(current=stored(old), deployed={},
                                                                   delete_data=False).actions}
    assert removal["stream:orders"] == ("delete", True)  # deletionPolicy: delete
    assert removal["queue:jobs"] == removal["queue:dlq/shop-t-dev-consume-dlq"] == ("retain", False)


# --- against the real engine ------------------------------------------------------------------------------------


@pytest.fixture
async def nc(engine_url):
    conn = await nats.connect(engine_url)
    yield conn
    await conn.close()


async def deploy(nc, spec, previous: dict | None, owner: str, **options):
    desired = messaging_resources(spec, "dev")
    current = stored(previous) if previous is not None else None
    plan = plan_deploy(stack="shop", stage="dev", current=current, desired=desired, desired_outputs={}, imports=[],
                       deployed={}, **options)
    assert plan.ok, plan.refusals
    done = await apply_actions(nc, plan.actions, desired, {k: r.to_json() for k, r in (previous or {}).items()},
                               owner)
    return desired, done


async def test_apply_creates_updates_and_removes_on_the_engine(nc):
    from overcast.queues import store as queues
    from overcast.streams import store as streams

    token = uuid.uuid4().hex[:8]
    owner = f"dev.shop-{token}"
    desired, done = await deploy(nc, spec_of(token), None, owner)
    assert f"created stream orders-{token}" in done and f"created queue work-{token}-dlq.fifo" in done
    info = await streams.describe_stream(nc, f"orders-{token}")
    assert (info.shards, info.retention_hours, info.owner) == (2, 24, owner)
    jobs = await queues.get_queue(nc, f"jobs-{token}")
    assert jobs.owner == owner and jobs.attributes["VisibilityTimeout"] == "40"
    assert json.loads(jobs.attributes["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn(f"jobs-dlq-{token}"),
                                                             "maxReceiveCount": 5}
    work = await queues.get_queue(nc, f"work-{token}.fifo")
    assert work.attributes["ContentBasedDeduplication"] == "true"
    assert (await queues.get_queue(nc, f"shop-{token}-dev-consume-dlq")).attributes["MessageRetentionPeriod"] == "1209600"

    assert await check_owners(nc, desired, owner) == []
    refused = await check_owners(nc, desired, "dev.someone-else")
    assert f"stream 'orders-{token}' already exists and belongs to {owner}" in refused

    changed = spec_of(token, TEXT.replace("visibilityTimeout: 40, redrive: {deadLetterQueue: jobs-dlq, "
                                          "maxReceiveCount: 5}", "visibilityTimeout: 45"))
    desired2, done = await deploy(nc, changed, desired, owner)
    assert f"updated queue jobs-{token}" in done
    jobs = await queues.get_queue(nc, f"jobs-{token}")
    assert jobs.attributes["VisibilityTimeout"] == "45" and not jobs.attributes.get("RedrivePolicy")

    plan = plan_remove(current=stored(desired2), deployed={}, delete_data=False)
    done = await apply_actions(nc, plan.actions, {}, {k: r.to_json() for k, r in desired2.items()}, owner)
    assert f"deleted stream orders-{token} and its records" in done
    assert f"retained queue jobs-{token} (records kept)" in done
    assert f"orders-{token}" not in await streams.list_streams(nc)
    assert (await queues.get_queue(nc, f"jobs-{token}")).name == f"jobs-{token}"

    plan = plan_remove(current=stored(desired2), deployed={}, delete_data=True)
    await apply_actions(nc, plan.actions, {}, {k: r.to_json() for k, r in desired2.items()}, owner)
    remaining = set(await queues.list_queues(nc))
    assert not {f"jobs-{token}", f"work-{token}.fifo", f"jobs-dlq-{token}", f"shop-{token}-dev-consume-dlq"} & remaining


async def test_replace_recreates_the_stream_with_its_new_shard_count(nc):
    from overcast.streams import store as streams

    token = uuid.uuid4().hex[:8]
    owner = f"dev.shop-{token}"
    desired, _ = await deploy(nc, spec_of(token), None, owner)
    more = spec_of(token, TEXT.replace("shards: 2", "shards: 3"))
    _, done = await deploy(nc, more, desired, owner, allow_replace=True)
    assert f"deleted stream orders-{token} (replaced)" in done
    assert (await streams.describe_stream(nc, f"orders-{token}")).shards == 3
    await streams.delete_stream(nc, f"orders-{token}")
