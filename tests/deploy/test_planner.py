"""The deploy planner: stored state + desired resources → plan (pure; no servers)."""

from __future__ import annotations

import json

import pytest

from overcast.deploy import resources
from overcast.deploy.planner import Plan, plan_deploy, plan_remove, resolve_imports, stored_after
from overcast.deploy.resources import (
    ABSENT,
    Change,
    Import,
    Kind,
    Resource,
    StoredStack,
    register_kind,
    resources_of,
)
from overcast.spec import StackSpec

TABLE = Kind("table", stateful=True, replace_on=frozenset({"keySchema"}))


@pytest.fixture(autouse=True)
def table_kind(monkeypatch):
    """A fake stateful kind, registered in a private copy of the registry."""
    kinds = dict(resources.KINDS)
    kinds.pop("table", None)  # the real table kind is replaced by a simpler fake here
    monkeypatch.setattr(resources, "KINDS", kinds)
    register_kind(TABLE)


def fn(name: str, **props) -> Resource:
    base = {"handler": "app.handler", "memory": 128, "timeout": 3, "environment": {}, "concurrency": None,
            "code": "c1"}
    return Resource(f"function:{name}", "function", {**base, **props})


def route(key: str, function: str) -> Resource:
    return Resource(f"route:{key}", "route", {"function": function})


def output(name: str, value: str) -> Resource:
    return Resource(f"output:{name}", "output", {"value": value})


def table(name: str, **props) -> Resource:
    return Resource(f"table:{name}", "table", {"keySchema": [{"name": "id", "type": "HASH"}], **props})


def rs(*items: Resource) -> dict[str, Resource]:
    return {r.id: r for r in items}


def stored(stack="api", *items: Resource, revision=3, outputs=None, imports=(), stage="dev") -> StoredStack:
    return StoredStack(stack, stage, revision, rs(*items), dict(outputs or {}), [Import(*i) for i in imports])


def deploy(current, desired, *, outputs=None, imports=(), deployed=None, **kw) -> Plan:
    return plan_deploy(stack="api", stage="dev", current=current, desired=desired, desired_outputs=outputs or {},
                       imports=list(imports), deployed=deployed or {}, **kw)


def by_id(plan: Plan) -> dict:
    return {a.id: a for a in plan.actions}


# --- resources ---------------------------------------------------------------------------------------------------


def test_resources_of_a_stack_spec():
    spec = StackSpec(stack="api", functions={
        "hello": {"handler": "app.handler", "memory": 256, "environment": {"COLOUR": "blue"},
                  "routes": ["get /hello/{name}"]},
    })
    got = resources_of(spec, "sha256:abc")
    assert got == {
        "function:hello": Resource("function:hello", "function", {
            "handler": "app.handler", "memory": 256, "timeout": 3, "environment": {"COLOUR": "blue"},
            "concurrency": None, "code": "sha256:abc"}),
        "route:GET /hello/{name}": Resource("route:GET /hello/{name}", "route", {"function": "hello"}),
    }


def test_resources_of_includes_outputs_when_the_spec_has_them():
    class WithOutputs:
        functions = {}
        outputs = {"Url": "http://x"}

        def route_keys(self):
            return []

    assert resources_of(WithOutputs(), "c") == {"output:Url": output("Url", "http://x")}


def test_register_kind_is_idempotent_and_rejects_a_conflicting_definition():
    assert register_kind(TABLE) is TABLE
    with pytest.raises(ValueError, match="already registered"):
        register_kind(Kind("table", stateful=False))
    with pytest.raises(ValueError, match="contain no ':'"):
        register_kind(Kind("a:b"))


# --- action kinds ------------------------------------------------------------------------------------------------


def test_new_stack_creates_everything():
    plan = deploy(None, rs(fn("hello"), route("GET /hello", "hello")))
    assert [(a.id, a.action) for a in plan.actions] == [("function:hello", "create"), ("route:GET /hello", "create")]
    assert plan.base_revision == 0 and plan.ok and plan.changed


def test_unchanged_stack_is_no_change():
    current = stored("api", fn("hello"), route("GET /hello", "hello"), outputs={"Url": "u"})
    plan = deploy(current, rs(fn("hello"), route("GET /hello", "hello")), outputs={"Url": "u"})
    assert {a.action for a in plan.actions} == {"no-change"}
    assert plan.base_revision == 3 and plan.ok and not plan.changed


def test_update_lists_each_changed_field_including_environment_keys():
    current = stored("api", fn("hello", environment={"COLOUR": "blue", "SIZE": "1"}))
    plan = deploy(current, rs(fn("hello", memory=256, environment={"COLOUR": "red", "SIZE": "1"})))
    (action,) = plan.actions
    assert action.action == "update" and not action.data_loss
    assert action.changes == (Change("environment.COLOUR", "blue", "red"), Change("memory", 128, 256))


def test_code_hash_change_is_an_update():
    plan = deploy(stored("api", fn("hello")), rs(fn("hello", code="c2")))
    assert by_id(plan)["function:hello"].changes == (Change("code", "c1", "c2"),)


def test_removed_resources_are_deleted():
    current = stored("api", fn("hello"), fn("old"), route("GET /old", "old"))
    plan = deploy(current, rs(fn("hello")))
    actions = by_id(plan)
    assert actions["function:old"].action == "delete" and actions["route:GET /old"].action == "delete"
    assert not actions["function:old"].data_loss


def test_route_moving_to_another_function_is_an_update():
    plan = deploy(stored("api", fn("a"), fn("b"), route("GET /x", "a")), rs(fn("a"), fn("b"), route("GET /x", "b")))
    assert by_id(plan)["route:GET /x"].changes == (Change("function", "a", "b"),)


def test_outputs_change_marks_the_plan_changed():
    current = stored("api", fn("hello"), outputs={"Url": "u1"})
    plan = deploy(current, rs(fn("hello")), outputs={"Url": "u2"})
    assert plan.outputs_changed and plan.changed and plan.outputs == {"Url": "u2"}


def test_actions_are_ordered_function_route_output_then_other_kinds_by_id():
    desired = rs(table("zeta"), output("B", "b"), route("GET /b", "b"), fn("b"), table("alpha"),
                 output("A", "a"), route("GET /a", "a"), fn("a"))
    plan = deploy(None, desired)
    assert [a.id for a in plan.actions] == [
        "function:a", "function:b", "route:GET /a", "route:GET /b", "output:A", "output:B",
        "table:alpha", "table:zeta",
    ]
    assert plan.to_json() == deploy(None, dict(reversed(list(desired.items())))).to_json()


def test_unknown_kind_is_refused_not_guessed():
    current = stored("api", Resource("widget:jobs", "widget", {}))
    plan = deploy(current, rs(fn("hello")))
    assert plan.refusals == ["widget 'jobs' has kind 'widget', which this version of overcast does not know"]
    assert plan.actions == []


# --- data rules --------------------------------------------------------------------------------------------------


def test_stateful_replace_is_refused_without_allow_replace():
    current = stored("api", table("users"))
    desired = rs(table("users", keySchema=[{"name": "email", "type": "HASH"}]))
    plan = deploy(current, desired)
    (action,) = plan.actions
    assert action.action == "replace" and action.data_loss and action.replace_on == ("keySchema",)
    assert plan.refusals == [
        "changing keySchema would replace table 'users' and lose its data; pass --allow-replace"
    ]
    allowed = deploy(current, desired, allow_replace=True)
    assert allowed.ok and allowed.actions[0].action == "replace" and allowed.actions[0].data_loss


def test_stateful_update_outside_replace_on_is_in_place():
    plan = deploy(stored("api", table("users")), rs(table("users", deletionPolicy="delete")))
    (action,) = plan.actions
    assert action.action == "update" and action.changes == (Change("deletionPolicy", ABSENT, "delete"),)
    assert plan.ok


def test_stateless_replace_needs_no_flag(monkeypatch):
    register_kind(Kind("topic", replace_on=frozenset({"name"})))
    current = stored("api", Resource("topic:t", "topic", {"name": "a"}))
    plan = deploy(current, rs(Resource("topic:t", "topic", {"name": "b"})))
    assert plan.ok and plan.actions[0].action == "replace" and not plan.actions[0].data_loss


def test_removed_stateful_resource_is_retained_by_default():
    plan = deploy(stored("api", fn("hello"), table("users")), rs(fn("hello")))
    action = by_id(plan)["table:users"]
    assert action.action == "retain" and not action.data_loss and plan.ok


def test_removed_stateful_resource_with_delete_policy_is_deleted_with_data_loss():
    plan = deploy(stored("api", fn("hello"), table("users", deletionPolicy="delete")), rs(fn("hello")))
    action = by_id(plan)["table:users"]
    assert action.action == "delete" and action.data_loss and plan.ok


# --- imports and the export rule ---------------------------------------------------------------------------------


BASE = stored("base", fn("b"), outputs={"Url": "http://base", "Arn": "arn:1"}, revision=1)


def test_imports_resolve_from_deployed_stacks():
    plan = deploy(None, rs(fn("hello")), imports=[("base", "Url"), ("base", "Url")], deployed={"base": BASE})
    assert plan.import_values == {("base", "Url"): "http://base"}
    assert plan.ok and plan.imports_changed


def test_import_from_a_stack_not_deployed_is_refused():
    plan = deploy(None, rs(fn("hello")), imports=[("nope", "Url")], deployed={"base": BASE})
    assert plan.refusals == ["stack 'nope' is not deployed in stage 'dev'"]
    assert plan.import_values == {}


def test_import_of_a_missing_output_names_the_outputs_there_are():
    plan = deploy(None, rs(fn("hello")), imports=[("base", "Nope")], deployed={"base": BASE})
    assert plan.refusals == ["stack 'base' has no output 'Nope' (it has: Arn, Url)"]
    empty = stored("base", revision=1)
    assert resolve_imports([("base", "X")], stack="api", stage="dev", deployed={"base": empty})[1] == [
        "stack 'base' has no output 'X' (it has: none)"
    ]


def test_import_cycle_is_refused_even_through_another_stack():
    mid = stored("mid", outputs={"M": "m"}, imports=[("api", "Arn", "a")], revision=1)
    base = stored("base", outputs={"Url": "u"}, imports=[("mid", "M", "m")], revision=1)
    plan = deploy(stored("api", outputs={"Arn": "a"}), {}, outputs={"Arn": "a"}, imports=[("base", "Url")],
                  deployed={"base": base, "mid": mid})
    assert plan.refusals == ["importing from stack 'base' would form a cycle: it depends on 'api'"]
    no_cycle = deploy(stored("api", outputs={"Arn": "a"}), {}, outputs={"Arn": "a"}, imports=[("base", "Url")],
                      deployed={"base": stored("base", outputs={"Url": "u"}, revision=1), "mid": mid})
    assert no_cycle.ok


def _importers():
    web = stored("web", imports=[("api", "Url", "u1")], revision=2)
    worker = stored("worker", imports=[("api", "Url", "u1"), ("api", "Arn", "a1")], revision=5)
    other = stored("other", imports=[("base", "Url", "x")], revision=1)
    return {"web": web, "worker": worker, "other": other}


def test_changing_an_imported_output_is_refused_naming_the_importers():
    current = stored("api", fn("hello"), outputs={"Url": "u1", "Arn": "a1"})
    plan = deploy(current, rs(fn("hello")), outputs={"Url": "u2", "Arn": "a1"}, deployed=_importers())
    assert plan.refusals == [
        "output 'Url' would change ('u1' → 'u2') but stacks 'web', 'worker' of stage 'dev' import it; "
        "pass --force to redeploy them after this stack"
    ]
    assert plan.redeploy == []


def test_removing_an_imported_output_is_refused():
    current = stored("api", fn("hello"), outputs={"Url": "u1", "Arn": "a1"})
    plan = deploy(current, rs(fn("hello")), outputs={"Url": "u1"}, deployed=_importers())
    assert plan.refusals == [
        "output 'Arn' would be removed but stack 'worker' of stage 'dev' imports it; "
        "pass --force to redeploy them after this stack"
    ]


def test_force_lists_importers_to_redeploy_sorted():
    current = stored("api", fn("hello"), outputs={"Url": "u1", "Arn": "a1"})
    plan = deploy(current, rs(fn("hello")), outputs={"Url": "u2"}, deployed=_importers(), force=True)
    assert plan.ok and plan.redeploy == ["web", "worker"]


def test_unchanged_imported_outputs_need_nothing():
    current = stored("api", fn("hello"), outputs={"Url": "u1", "Arn": "a1"})
    plan = deploy(current, rs(fn("hello")), outputs={"Url": "u1", "Arn": "a1", "New": "n"}, deployed=_importers())
    assert plan.ok and plan.redeploy == []


# --- remove ------------------------------------------------------------------------------------------------------


def test_remove_deletes_everything_and_retains_stateful():
    current = stored("api", fn("hello"), route("GET /x", "hello"), table("users"),
                     table("logs", deletionPolicy="delete"))
    plan = plan_remove(current=current, deployed={}, delete_data=False)
    assert [(a.id, a.action, a.data_loss) for a in plan.actions] == [
        ("function:hello", "delete", False), ("route:GET /x", "delete", False),
        ("table:logs", "delete", True), ("table:users", "retain", False),
    ]
    assert plan.ok and plan.operation == "remove" and plan.base_revision == 3


def test_remove_with_delete_data_deletes_stateful_with_data_loss():
    plan = plan_remove(current=stored("api", table("users")), deployed={}, delete_data=True)
    assert [(a.action, a.data_loss) for a in plan.actions] == [("delete", True)]


def test_remove_is_refused_while_imported():
    current = stored("api", fn("hello"), outputs={"Url": "u1", "Arn": "a1"})
    plan = plan_remove(current=current, deployed=_importers(), delete_data=False)
    assert plan.refusals == [
        "stack 'web' imports output 'Url' of stack 'api'; redeploy or remove 'web' without them first",
        "stack 'worker' imports outputs 'Arn', 'Url' of stack 'api'; redeploy or remove 'worker' without them first",
    ]


# --- JSON --------------------------------------------------------------------------------------------------------


def test_stored_stack_json_round_trip():
    doc = {
        "stack": "api", "stage": "dev", "revision": 4,
        "resources": {"function:hello": {"kind": "function", "props": fn("hello").props},
                      "table:users": {"kind": "table", "props": table("users").props}},
        "outputs": {"Url": "u"},
        "imports": [{"stack": "base", "output": "Url", "value": "http://base"}],
        "root": "/srv/api",  # keys the planner does not model are ignored
    }
    view = StoredStack.from_json(json.loads(json.dumps(doc)))
    assert view.revision == 4 and view.resources["table:users"] == table("users")
    assert view.imports == [Import("base", "Url", "http://base")]
    expected = {k: v for k, v in doc.items() if k != "root"}
    assert view.to_json() == expected
    assert StoredStack.from_json(view.to_json()) == view
    with pytest.raises(ValueError, match="malformed"):
        StoredStack.from_json({"stage": "dev"})


def test_plan_to_json_is_stable_and_json_able():
    current = stored("api", fn("hello"), table("users"), outputs={"Url": "u1"})
    plan = deploy(current, rs(fn("hello", environment={"A": "1"})), outputs={"Url": "u1"},
                  imports=[("base", "Url")], deployed={"base": BASE})
    doc = plan.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["import_values"] == [{"stack": "base", "output": "Url", "value": "http://base"}]
    assert doc["actions"][0] == {"id": "function:hello", "kind": "function", "action": "update",
                                 "data_loss": False, "replace_on": [],
                                 "changes": [{"field": "environment.A", "new": "1"}]}
    assert doc["actions"][1]["action"] == "retain"
    assert doc["base_revision"] == 3 and doc["ok"] and doc["changed"] and doc["operation"] == "deploy"


def test_stored_after_is_the_next_revision():
    desired = rs(fn("hello"))
    plan = deploy(stored("api", table("users"), outputs={"Url": "u1"}), desired, outputs={"Url": "u2"},
                  imports=[("base", "Url")], deployed={"base": BASE})
    after = stored_after(plan, desired)
    assert after == StoredStack("api", "dev", 4, desired, {"Url": "u2"}, [Import("base", "Url", "http://base")])
    refused = deploy(None, desired, imports=[("nope", "X")])
    with pytest.raises(ValueError):
        stored_after(refused, desired)
