"""Topic rules and WebSocket APIs as deploy resources: pure resources and plans, then one real deploy."""

from __future__ import annotations

import json

import pytest

from overcast.deploy.planner import Plan, plan_deploy, plan_remove
from overcast.deploy.realtime_kinds import rule_resources, websocket_resources
from overcast.deploy.render import render_plan
from overcast.deploy.resources import Resource, StoredStack, resources_of
from overcast.spec import load_stack_text
from overcast.testing import running_platform
from tests.conftest import EXAMPLES, copy_stack

TEXT = """
stack: live
queues:
  errors: {}
websocket:
  path: /socket
  routeSelectionExpression: $request.body.type
functions:
  connect: {handler: app.connect, websocket: [$connect]}
  chat: {handler: app.chat, websocket: [sendmessage, $default], routes: ["GET /chat"]}
  alert: {handler: app.alert}
rules:
  hot:
    sql: "SELECT temp FROM 'sensors/+/data' WHERE temp > 30"
    actions:
      - function: alert
      - republish: {topic: "alerts/${topic(2)}", qos: 1}
    errorAction: {queue: {name: errors}}
  paused:
    sql: "SELECT * FROM 'off/#'"
    enabled: false
    description: kept for later
    actions:
      - queue: {name: errors, useBase64: true}
"""


def spec_of(text: str = TEXT):
    return load_stack_text(text, stage="dev", env={}).spec


def stored(resources: dict) -> StoredStack:
    return StoredStack("live", "dev", 1, dict(resources))


def plan_of(old_text: str | None, new_text: str | None) -> Plan:
    """The plan deploying ``new_text`` over a stack deployed from ``old_text`` (None: new stack / removal)."""
    old = resources_of(spec_of(old_text), "code") if old_text else None
    if new_text is None:
        return plan_remove(current=stored(old), deployed={}, delete_data=False)
    return plan_deploy(stack="live", stage="dev", current=stored(old) if old is not None else None,
                       desired=resources_of(spec_of(new_text), "code"), desired_outputs={}, imports=[], deployed={})


def changed(plan: Plan) -> dict[str, str]:
    return {a.id: a.action for a in plan.actions if a.action != "no-change"}


# --- resources -----------------------------------------------------------------------------------------------------


def test_rule_props_are_sql_actions_error_action_enabled_and_description():
    assert rule_resources(spec_of()) == {
        "rule:hot": Resource("rule:hot", "rule", {
            "sql": "SELECT temp FROM 'sensors/+/data' WHERE temp > 30",
            "actions": [{"function": "alert"}, {"republish": {"topic": "alerts/${topic(2)}", "qos": 1}}],
            "errorAction": {"queue": {"name": "errors", "useBase64": False}},
            "enabled": True, "description": None}),
        "rule:paused": Resource("rule:paused", "rule", {
            "sql": "SELECT * FROM 'off/#'", "actions": [{"queue": {"name": "errors", "useBase64": True}}],
            "errorAction": None, "enabled": False, "description": "kept for later"}),
    }


def test_websocket_api_holds_the_selection_expression_and_each_route_its_function():
    assert websocket_resources(spec_of()) == {
        "websocket:/socket": Resource("websocket:/socket", "websocket",
                                      {"routeSelectionExpression": "$request.body.type"}),
        "wsroute:$connect": Resource("wsroute:$connect", "wsroute", {"function": "connect"}),
        "wsroute:sendmessage": Resource("wsroute:sendmessage", "wsroute", {"function": "chat"}),
        "wsroute:$default": Resource("wsroute:$default", "wsroute", {"function": "chat"}),
    }


def test_routes_without_a_websocket_section_get_the_default_api():
    text = "stack: s\nfunctions:\n  f: {handler: app.f, websocket: [$default]}\n"
    assert websocket_resources(spec_of(text)) == {
        "websocket:/ws": Resource("websocket:/ws", "websocket", {"routeSelectionExpression": "$request.body.action"}),
        "wsroute:$default": Resource("wsroute:$default", "wsroute", {"function": "f"}),
    }
    settings_only = "stack: s\nwebsocket: {path: /live}\nfunctions:\n  f: {handler: app.f}\n"
    assert list(websocket_resources(spec_of(settings_only))) == ["websocket:/live"]


def test_a_stack_without_rules_or_websocket_has_none_of_these_resources():
    spec = spec_of("stack: s\nfunctions:\n  f: {handler: app.f, routes: ['GET /f']}\n")
    assert rule_resources(spec) == {} and websocket_resources(spec) == {}
    assert sorted(resources_of(spec, "code")) == ["function:f", "route:GET /f"]


def test_resources_of_lists_them_and_the_stored_stack_keeps_them():
    got = resources_of(spec_of(), "code")
    assert {"rule:hot", "rule:paused", "websocket:/socket", "wsroute:$connect", "wsroute:$default",
            "wsroute:sendmessage", "route:GET /chat", "queue:errors"} <= set(got)
    again = StoredStack.from_json(json.loads(json.dumps(stored(got).to_json())))
    assert again.resources == got


# --- plans ---------------------------------------------------------------------------------------------------------


def test_adding_changing_and_removing_a_rule():
    without = TEXT.split("rules:")[0]
    assert changed(plan_of(without, TEXT)) == {"rule:hot": "create", "rule:paused": "create"}

    plan = plan_of(TEXT, TEXT.replace("temp > 30", "temp > 40"))
    assert changed(plan) == {"rule:hot": "update"} and plan.changed
    (action,) = [a for a in plan.actions if a.action == "update"]
    assert [(c.field, c.old, c.new) for c in action.changes] == [
        ("sql", "SELECT temp FROM 'sensors/+/data' WHERE temp > 30", "SELECT temp FROM 'sensors/+/data' WHERE temp > 40")]

    plan = plan_of(TEXT, TEXT.replace("enabled: false", "enabled: true").replace("qos: 1", "qos: 0"))
    updates = {a.id: [c.field for c in a.changes] for a in plan.actions if a.action == "update"}
    assert updates == {"rule:hot": ["actions"], "rule:paused": ["enabled"]}

    plan = plan_of(TEXT, without)
    assert changed(plan) == {"rule:hot": "delete", "rule:paused": "delete"}
    assert plan.ok and not any(a.data_loss for a in plan.actions)


def test_adding_changing_and_removing_a_websocket_route():
    added = TEXT.replace("alert: {handler: app.alert}", "alert: {handler: app.alert, websocket: [ping]}")
    assert changed(plan_of(TEXT, added)) == {"wsroute:ping": "create"}

    moved = TEXT.replace("websocket: [$connect]", "websocket: [sendmessage]").replace(
        "websocket: [sendmessage, $default]", "websocket: [$connect, $default]")
    plan = plan_of(TEXT, moved)
    assert changed(plan) == {"wsroute:$connect": "update", "wsroute:sendmessage": "update"}
    assert [(c.field, c.old, c.new) for a in plan.actions if a.id == "wsroute:$connect" for c in a.changes] == [
        ("function", "connect", "chat")]

    assert changed(plan_of(added, TEXT)) == {"wsroute:ping": "delete"}
    assert changed(plan_of(TEXT, TEXT.replace("[sendmessage, $default]", "[sendmessage]"))) == {
        "wsroute:$default": "delete"}


def test_websocket_settings_change_the_api_not_every_route():
    plan = plan_of(TEXT, TEXT.replace("$request.body.type", "$request.body.kind"))
    assert changed(plan) == {"websocket:/socket": "update"}
    # A new path is a new endpoint: clients connect elsewhere.
    assert changed(plan_of(TEXT, TEXT.replace("path: /socket", "path: /live"))) == {
        "websocket:/live": "create", "websocket:/socket": "delete"}


def test_removing_the_stack_deletes_its_rules_and_websocket_api():
    plan = plan_of(TEXT, None)
    assert {a.id: a.action for a in plan.actions if a.kind in ("rule", "websocket", "wsroute")} == {
        "rule:hot": "delete", "rule:paused": "delete", "websocket:/socket": "delete", "wsroute:$connect": "delete",
        "wsroute:$default": "delete", "wsroute:sendmessage": "delete"}


def test_plan_lists_them_after_functions_routes_and_outputs_and_renders_them():
    plan = plan_of(None, TEXT)
    kinds = [a.kind for a in plan.actions]
    assert kinds.index("rule") > kinds.index("route")
    assert [a.id for a in plan.actions if a.kind in ("rule", "websocket", "wsroute")] == [
        "rule:hot", "rule:paused", "websocket:/socket", "wsroute:$connect", "wsroute:$default", "wsroute:sendmessage"]
    text = render_plan(plan, color=False)
    assert "  + rule:hot " in text and "  + wsroute:$connect " in text and "  + websocket:/socket " in text

    text = render_plan(plan_of(TEXT, TEXT.replace("temp > 30", "temp > 40")), color=False)
    assert "  ~ rule:hot  update\n" in text
    assert ("      sql: \"SELECT temp FROM 'sensors/+/data' WHERE temp > 30\" → "
            "\"SELECT temp FROM 'sensors/+/data' WHERE temp > 40\"\n") in text
    assert "plan: 1 to update\n" in text


# --- a real deploy -------------------------------------------------------------------------------------------------

STACK = """
stack: rulesplan
functions:
  alert:
    handler: app.handler
    websocket: [$default]
rules:
  hot:
    sql: "SELECT * FROM 'rulesplan/+/data' WHERE temp > 30"
    actions: [{function: alert}]
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("realtime-plans")
    with running_platform(copy_stack(EXAMPLES / "hello", root / "hello")) as p:
        p.root = root
        yield p


def test_a_rule_only_change_is_planned_and_deployed(platform):
    d = platform.root / "rulesplan"
    d.mkdir()
    (d / "overcast.yml").write_text(STACK)
    (d / "app.py").write_text("def handler(event, context):\n    return event\n")
    first = platform.deploy(d)
    assert first.returncode == 0, first.stderr
    assert "+ rule:hot" in first.stdout and "+ wsroute:$default" in first.stdout and "+ websocket:/ws" in first.stdout

    (d / "overcast.yml").write_text(STACK.replace("temp > 30", "temp > 40"))
    plan = json.loads(platform.control("plan", str(d), "--json").stdout)[0]
    assert [(a["id"], a["action"]) for a in plan["actions"] if a["action"] != "no-change"] == [("rule:hot", "update")]
    second = platform.deploy(d)  # same code: before rules were resources this said "no changes" and kept the old SQL
    assert second.returncode == 0, second.stderr
    assert "~ rule:hot" in second.stdout and "deployed dev.rulesplan revision 2" in second.stdout
    stacks = json.loads(platform.control("stacks", "--json").stdout)
    assert [s["revision"] for s in stacks if s["stack"] == "rulesplan"] == [2]
