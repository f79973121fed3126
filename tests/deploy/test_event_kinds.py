"""Event sources and async settings as deploy resources: pure resources and plans, then one real deploy."""

from __future__ import annotations

import asyncio
import json

import nats
import pytest

from overcast.deploy import state
from overcast.deploy.event_kinds import async_resources, mapping_resources, schedule_resources
from overcast.deploy.planner import Plan, plan_deploy, plan_remove
from overcast.deploy.render import render_plan
from overcast.deploy.resources import ABSENT, Resource, StoredStack, resources_of
from overcast.spec import load_stack_text
from overcast.spec.mappings import mappings_of, schedules_of
from overcast.spec.models import FunctionSpec
from overcast.testing import running_platform
from tests.conftest import EXAMPLES, copy_stack

TEXT = """
stack: shop
queues:
  jobs: {}
  failed: {}
streams:
  orders: {}
tables:
  todos: {partitionKey: {name: id, type: S}, stream: NEW_AND_OLD_IMAGES}
functions:
  worker:
    handler: app.worker
    events:
      - sqs: {queue: jobs, batchSize: 10, enabled: false}
      - stream: {stream: orders, startingPosition: LATEST}
      - stream: {table: todos, batchSize: 50}
      - schedule: rate(5 minutes)
      - schedule: {rate: "cron(0 12 * * ? *)", input: {report: daily}, description: noon}
    async: {maximumRetryAttempts: 1}
  other: {handler: app.other}
"""

STREAM_DEFAULTS = {"maximumBatchingWindow": 0, "parallelizationFactor": 1, "maximumRetryAttempts": 3,
                   "maximumRecordAgeInSeconds": -1, "bisectBatchOnFunctionError": True, "functionResponseTypes": [],
                   "filterPatterns": [], "enabled": True}


def spec_of(text: str = TEXT, stage: str = "dev"):
    return load_stack_text(text, stage=stage, env={}).spec


def stored(resources: dict) -> StoredStack:
    return StoredStack("shop", "dev", 1, dict(resources))


def plan_of(old: str | dict | None, new_text: str | None) -> Plan:
    """The plan deploying ``new_text`` over a stack deployed from ``old`` (stack text or stored resources)."""
    if isinstance(old, str):
        old = resources_of(spec_of(old), "code")
    if new_text is None:
        return plan_remove(current=stored(old), deployed={}, delete_data=False)
    return plan_deploy(stack="shop", stage="dev", current=stored(old) if old is not None else None,
                       desired=resources_of(spec_of(new_text), "code"), desired_outputs={}, imports=[], deployed={})


def changed(plan: Plan) -> dict[str, str]:
    return {a.id: a.action for a in plan.actions if a.action != "no-change"}


def changes(plan: Plan, rid: str) -> list[tuple]:
    return [(c.field, c.old, c.new) for a in plan.actions if a.id == rid for c in a.changes]


# --- resources -----------------------------------------------------------------------------------------------------


def test_mapping_props_are_the_event_settings_as_the_stack_file_gives_them():
    assert mapping_resources(spec_of()) == {
        "mapping:worker/queue:jobs": Resource("mapping:worker/queue:jobs", "mapping", {
            "batchSize": 10, "maximumBatchingWindow": 0, "functionResponseTypes": [], "filterPatterns": [],
            "enabled": False}),
        "mapping:worker/stream:orders": Resource("mapping:worker/stream:orders", "mapping", {
            **STREAM_DEFAULTS, "batchSize": 100, "startingPosition": "LATEST"}),
        "mapping:worker/table:todos": Resource("mapping:worker/table:todos", "mapping", {
            **STREAM_DEFAULTS, "batchSize": 50, "startingPosition": "TRIM_HORIZON"}),
    }


def test_schedules_are_named_as_the_dispatcher_names_their_rules():
    got = schedule_resources(spec_of(), "prod")
    assert got == {
        "schedule:shop-prod-worker-schedule-1": Resource("schedule:shop-prod-worker-schedule-1", "schedule", {
            "function": "worker", "rate": "rate(5 minutes)", "enabled": True}),
        "schedule:shop-prod-worker-schedule-2": Resource("schedule:shop-prod-worker-schedule-2", "schedule", {
            "function": "worker", "rate": "cron(0 12 * * ? *)", "enabled": True, "input": {"report": "daily"},
            "description": "noon"}),
    }
    dispatched = schedules_of("prod", "shop", spec_of(stage="prod").model_dump(mode="json"))
    assert [f"schedule:{s.id}" for s in dispatched] == list(got)


def test_async_settings_are_a_resource_only_where_declared():
    assert async_resources(spec_of()) == {
        "async:worker": Resource("async:worker", "async", {"maximumRetryAttempts": 1, "maximumEventAge": 21600})}


def test_resources_of_lists_them_and_the_function_props_leave_them_out():
    got = resources_of(spec_of(), "code")
    assert {"mapping:worker/queue:jobs", "mapping:worker/stream:orders", "mapping:worker/table:todos",
            "schedule:shop-dev-worker-schedule-1", "schedule:shop-dev-worker-schedule-2", "async:worker"} <= set(got)
    assert sorted(got["function:worker"].props) == ["code", "concurrency", "environment", "handler", "memory",
                                                    "timeout"]
    again = StoredStack.from_json(json.loads(json.dumps(stored(got).to_json())))
    assert again.resources == got


BASE = "stack: s\nqueues:\n  q: {}\nfunctions:\n  f: {handler: app.f}\n  g: {handler: app.g}\n"
FIELD_CHANGES = {  # a FunctionSpec field → a value for function f that changes how it behaves
    "handler": {"handler": "app.other"},
    "memory": {"memory": 256},
    "timeout": {"timeout": 10},
    "environment": {"environment": {"A": "1"}},
    "concurrency": {"concurrency": 5},
    "routes": {"routes": ["GET /f"]},
    "websocket": {"websocket": ["$default"]},
    "events": {"events": [{"schedule": "rate(1 minute)"}]},
    "async_": {"async": {"maximumRetryAttempts": 0}},
}


@pytest.mark.parametrize("field", sorted(FunctionSpec.model_fields))
def test_every_function_setting_is_a_prop_of_some_resource(field):
    assert field in FIELD_CHANGES, f"FunctionSpec.{field} is new: make it a prop of a resource and list it here"
    before = resources_of(spec_of(BASE), "code")
    with_field = BASE.replace("f: {handler: app.f}", "f: " + json.dumps({"handler": "app.f", **FIELD_CHANGES[field]}))
    assert resources_of(spec_of(with_field), "code") != before


# --- plans ---------------------------------------------------------------------------------------------------------


def test_a_batch_size_change_updates_the_mapping_only():
    plan = plan_of(TEXT, TEXT.replace("batchSize: 10,", "batchSize: 5,"))
    assert changed(plan) == {"mapping:worker/queue:jobs": "update"} and plan.changed
    assert changes(plan, "mapping:worker/queue:jobs") == [("batchSize", 10, 5)]


def test_enabling_a_mapping_and_changing_a_table_mapping():
    plan = plan_of(TEXT, TEXT.replace("enabled: false", "enabled: true").replace("batchSize: 50", "batchSize: 500"))
    assert changed(plan) == {"mapping:worker/queue:jobs": "update", "mapping:worker/table:todos": "update"}
    assert changes(plan, "mapping:worker/queue:jobs") == [("enabled", False, True)]
    assert changes(plan, "mapping:worker/table:todos") == [("batchSize", 50, 500)]


def test_a_schedule_rate_change_updates_that_schedule():
    plan = plan_of(TEXT, TEXT.replace("rate(5 minutes)", "rate(1 minute)"))
    assert changed(plan) == {"schedule:shop-dev-worker-schedule-1": "update"}
    assert changes(plan, "schedule:shop-dev-worker-schedule-1") == [("rate", "rate(5 minutes)", "rate(1 minute)")]


def test_a_new_on_failure_destination_updates_the_async_settings():
    plan = plan_of(TEXT, TEXT.replace("{maximumRetryAttempts: 1}",
                                      "{maximumRetryAttempts: 1, destinations: {onFailure: 'queue:failed'}}"))
    assert changed(plan) == {"async:worker": "update"}
    assert changes(plan, "async:worker") == [("destinations.onFailure", ABSENT, "queue:failed")]


def test_adding_and_removing_events_and_async_settings():
    without = TEXT.replace("    async: {maximumRetryAttempts: 1}\n", "")
    assert changed(plan_of(without, TEXT)) == {"async:worker": "create"}
    assert changed(plan_of(TEXT, without)) == {"async:worker": "delete"}

    one_schedule = TEXT.replace("      - schedule: rate(5 minutes)\n", "")
    plan = plan_of(TEXT, one_schedule)  # schedules are numbered in file order, as the dispatcher numbers them
    assert changed(plan) == {"schedule:shop-dev-worker-schedule-1": "update",
                             "schedule:shop-dev-worker-schedule-2": "delete"}

    plan = plan_of(TEXT, TEXT.replace("      - stream: {stream: orders, startingPosition: LATEST}\n", ""))
    assert changed(plan) == {"mapping:worker/stream:orders": "delete"}
    assert plan.ok and not any(a.data_loss for a in plan.actions)


def test_a_state_stored_before_these_kinds_creates_them_once():
    kinds = ("mapping", "schedule", "async")
    older = {rid: r for rid, r in resources_of(spec_of(), "code").items() if r.kind not in kinds}
    plan = plan_of(older, TEXT)
    assert plan.ok and plan.changed
    assert set(changed(plan).values()) == {"create"}
    assert {a.kind for a in plan.actions if a.action == "create"} == set(kinds)
    assert changed(plan_of(TEXT, TEXT)) == {}


def test_removing_the_stack_deletes_them_without_data_loss():
    plan = plan_of(TEXT, None)
    ours = {a.id: a.action for a in plan.actions if a.kind in ("mapping", "schedule", "async")}
    assert len(ours) == 6 and set(ours.values()) == {"delete"}
    assert not any(a.data_loss for a in plan.actions if a.kind in ("mapping", "schedule", "async"))


def test_plan_renders_the_changed_setting():
    text = render_plan(plan_of(TEXT, TEXT.replace("batchSize: 10,", "batchSize: 5,")), color=False)
    assert "  ~ mapping:worker/queue:jobs  update\n" in text
    assert "      batchSize: 10 → 5\n" in text
    assert "plan: 1 to update\n" in text


# --- a real deploy -------------------------------------------------------------------------------------------------

STACK = """
stack: eventsplan
queues:
  jobs: {}
functions:
  worker:
    handler: app.handler
    events:
      - sqs: {queue: jobs, batchSize: 10}
      - schedule: rate(5 minutes)
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("event-plans")
    with running_platform(copy_stack(EXAMPLES / "hello", root / "hello")) as p:
        p.root = root
        yield p


def deployed_state(platform, stack: str) -> dict:
    async def read():
        nc = await nats.connect(platform.nats_url)
        try:
            return (await state.read(nc, "dev", stack))[0]
        finally:
            await nc.close()
    return asyncio.run(read())


def plan_json(platform, d) -> list[tuple[str, str]]:
    plan = json.loads(platform.control("plan", str(d), "--json").stdout)[0]
    return [(a["id"], a["action"]) for a in plan["actions"] if a["action"] != "no-change"]


def test_a_batch_size_or_schedule_only_change_is_planned_and_deployed(platform):
    d = platform.root / "eventsplan"
    d.mkdir()
    (d / "overcast.yml").write_text(STACK)
    (d / "app.py").write_text("def handler(event, context):\n    return None\n")
    first = platform.deploy(d)
    assert first.returncode == 0, first.stderr
    assert "+ mapping:worker/queue:jobs" in first.stdout and "+ schedule:eventsplan-dev-worker-schedule-1" in first.stdout

    # Same code, only the batch size: before mappings were resources this said "no changes" and kept 10.
    (d / "overcast.yml").write_text(STACK.replace("batchSize: 10", "batchSize: 5"))
    assert plan_json(platform, d) == [("mapping:worker/queue:jobs", "update")]
    second = platform.deploy(d)
    assert second.returncode == 0, second.stderr
    assert "~ mapping:worker/queue:jobs" in second.stdout and "deployed dev.eventsplan revision 2" in second.stdout
    doc = deployed_state(platform, "eventsplan")
    assert [m.batch_size for m in mappings_of("dev", "eventsplan", doc["spec"])] == [5]
    assert doc["versions"] == {"worker": 1}  # as in Lambda, a mapping change publishes no function version

    (d / "overcast.yml").write_text(STACK.replace("batchSize: 10", "batchSize: 5").replace("5 minutes", "1 minute"))
    assert plan_json(platform, d) == [("schedule:eventsplan-dev-worker-schedule-1", "update")]
    third = platform.deploy(d)
    assert third.returncode == 0, third.stderr
    assert "deployed dev.eventsplan revision 3" in third.stdout
    doc = deployed_state(platform, "eventsplan")
    assert [s.expression for s in schedules_of("dev", "eventsplan", doc["spec"])] == ["rate(1 minute)"]
