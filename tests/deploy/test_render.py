"""Rendering a plan: a readable (optionally coloured) diff and JSON."""

from __future__ import annotations

import json

import pytest

from overcast.deploy import resources
from overcast.deploy.planner import plan_deploy, plan_remove
from overcast.deploy.render import DIM, GREEN, RED, RESET, YELLOW, format_value, render_json, render_plan
from overcast.deploy.resources import ABSENT, Import, Kind, Resource, StoredStack, register_kind


@pytest.fixture(autouse=True)
def table_kind(monkeypatch):
    kinds = dict(resources.KINDS)
    kinds.pop("table", None)  # the real table kind is replaced by a simpler fake here
    monkeypatch.setattr(resources, "KINDS", kinds)
    register_kind(Kind("table", stateful=True, replace_on=frozenset({"keySchema"})))


def fn(name: str, **props) -> Resource:
    return Resource(f"function:{name}", "function", {"handler": "app.handler", "memory": 128,
                                                     "environment": {"COLOUR": "blue"}, **props})


def res(rid: str, **props) -> Resource:
    return Resource(rid, rid.split(":")[0], props)


def rs(*items):
    return {r.id: r for r in items}


CURRENT = StoredStack("api", "dev", 3, rs(
    fn("hello"), fn("same"), res("route:GET /old", function="same"), res("table:users", keySchema=["id"]),
    res("output:Url", value="u"),
), {"Url": "u"}, [])

DESIRED = rs(
    fn("new"), fn("same"), fn("hello", memory=256, environment={"COLOUR": "red"}),
    res("table:users", keySchema=["email"]), res("output:Url", value="u"),
)


def the_plan(**kw):
    return plan_deploy(stack="api", stage="dev", current=CURRENT, desired=DESIRED, desired_outputs={"Url": "u"},
                       imports=[], deployed={}, **kw)


def test_plain_rendering_lists_changes_without_ansi_codes():
    text = render_plan(the_plan(allow_replace=True), color=False)
    assert "\x1b[" not in text
    assert text == (
        "stack api (stage dev) — revision 3 → 4\n"
        "  ~ function:hello  update\n"
        "      environment.COLOUR: \"blue\" → \"red\"\n"
        "      memory: 128 → 256\n"
        "  + function:new    create\n"
        "  - route:GET /old  delete\n"
        "  ± table:users     replace   (DATA LOSS) (changed: keySchema)\n"
        "      keySchema: [\"id\"] → [\"email\"]\n"
        "plan: 1 to create, 1 to update, 1 to replace, 1 to delete\n"
    )


def test_no_change_lines_only_when_verbose():
    plan = the_plan(allow_replace=True)
    assert "function:same" not in render_plan(plan, color=False)
    verbose = render_plan(plan, color=False, verbose=True)
    assert "  = function:same   no change\n" in verbose
    assert "  = output:Url      no change\n" in verbose


def test_colour_rendering_uses_ansi_per_action():
    text = render_plan(the_plan(allow_replace=True), color=True, verbose=True)
    lines = text.splitlines()
    assert f"{GREEN}  + function:new    create{RESET}" in lines
    assert f"{YELLOW}  ~ function:hello  update{RESET}" in lines
    assert f"{RED}  - route:GET /old  delete{RESET}" in lines
    assert f"{RED}  ± table:users     replace   (DATA LOSS) (changed: keySchema){RESET}" in lines
    assert f"{DIM}  = function:same   no change{RESET}" in lines
    assert '      memory: 128 → 256' in lines


def test_refusals_are_shown_in_red():
    plan = the_plan()
    assert not plan.ok
    text = render_plan(plan, color=True)
    assert (f"{RED}refused: changing keySchema would replace table 'users' and lose its data; "
            f"pass --allow-replace{RESET}") in text.splitlines()
    assert "refused: changing keySchema" in render_plan(plan, color=False)


def test_new_stack_header_imports_and_redeploy():
    base = StoredStack("base", "dev", 1, {}, {"Url": "http://base"}, [])
    web = StoredStack("web", "dev", 1, {}, {}, [Import("new", "Url", "x")])
    plan = plan_deploy(stack="new", stage="dev", current=None, desired=rs(fn("a")), desired_outputs={},
                       imports=[("base", "Url")], deployed={"base": base, "web": web}, force=True)
    text = render_plan(plan, color=False)
    assert text.startswith("stack new (stage dev) — revision 0 → 1 (new stack)\n")
    assert '  imports base.Url = "http://base"\n' in text


def test_remove_renders_retain_and_data_loss():
    current = StoredStack("api", "dev", 7, rs(fn("hello"), res("table:users", keySchema=["id"]),
                                               res("table:logs", deletionPolicy="delete")), {}, [])
    text = render_plan(plan_remove(current=current, deployed={}, delete_data=False), color=False)
    assert text == (
        "stack api (stage dev) — remove revision 7\n"
        "  - function:hello  delete\n"
        "  - table:logs      delete    (DATA LOSS)\n"
        "  ⊖ table:users     retain    (leaves the stack, data kept)\n"
        "plan: 2 to delete, 1 to retain\n"
    )
    coloured = render_plan(plan_remove(current=current, deployed={}, delete_data=False), color=True)
    assert f"{RED}  - table:logs      delete    (DATA LOSS){RESET}" in coloured.splitlines()
    assert f"{YELLOW}  ⊖ table:users     retain    (leaves the stack, data kept){RESET}" in coloured.splitlines()


def test_redeploy_line_and_no_changes():
    current = StoredStack("api", "dev", 2, rs(fn("a")), {"Url": "u1"}, [])
    web = StoredStack("web", "dev", 1, {}, {}, [Import("api", "Url", "u1")])
    plan = plan_deploy(stack="api", stage="dev", current=current, desired=rs(fn("a")), desired_outputs={"Url": "u2"},
                       imports=[], deployed={"web": web}, force=True)
    text = render_plan(plan, color=False)
    assert "then redeploys: web\n" in text and "plan: outputs or imports change only\n" in text
    same = plan_deploy(stack="api", stage="dev", current=current, desired=rs(fn("a")),
                       desired_outputs={"Url": "u1"}, imports=[], deployed={})
    assert render_plan(same, color=False).endswith("no changes\n")


def test_format_value():
    assert format_value(ABSENT) == "(none)"
    assert format_value("blue") == '"blue"'
    assert format_value(None) == "null"
    assert format_value({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'


def test_render_json_is_the_plan_json():
    plan = the_plan()
    text = render_json(plan)
    assert json.loads(text) == plan.to_json()
    assert text == render_json(the_plan())
