"""thingGroups and the ${thing} policy variable (pure): expansion, substitution, and problems with file:line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from overcast import limits
from overcast.deploy.things import thing_resources
from overcast.spec import stack_json_schema
from overcast.spec.models import StackSpec
from overcast.spec.thinggroups import things_of

HEAD = "stack: s\nfunctions:\n  f: {handler: app.handler}\n"  # lines 1-3


def load(stack_dir, body: str):
    return stack_dir.load("\n" + HEAD + body).spec


def problems(stack_dir, body: str) -> list[str]:
    """``file:line:column: path: message``, the file named as in the directory."""
    return [str(replace(p, file=Path(p.file).name)) for p in stack_dir.problems("\n" + HEAD + body)]


def test_members_become_things_with_their_own_name_substituted(stack_dir):
    spec = load(stack_dir, """\
thingGroups:
  sensors:
    things: [sensor-1, sensor-2, sensor-3]
    publish: ["telemetry/${thing}/#"]
    subscribe: ["commands/${thing}/#", broadcast/+]
""")
    things = things_of(spec)
    assert list(things) == ["sensor-1", "sensor-2", "sensor-3"]
    assert things["sensor-2"].publish == ["telemetry/sensor-2/#"]
    assert things["sensor-3"].subscribe == ["commands/sensor-3/#", "broadcast/+"]
    assert spec.things == {}  # the spec keeps what the file says
    assert spec.thingGroups["sensors"].publish == ["telemetry/${thing}/#"]


def test_plain_things_take_both_spellings_and_come_first(stack_dir):
    spec = load(stack_dir, """\
things:
  gateway:
    publish:
      - ${thing}/up
      - up/${iot:Connection.Thing.ThingName}/+
      - up/${ thing }/+
    subscribe: ["down/${iot:Connection.Thing.ThingName}/#", "down/gateway/#"]
thingGroups:
  g:
    things: [m-1]
    publish: [fixed/topic]
""")
    things = things_of(spec)
    assert list(things) == ["gateway", "m-1"]
    assert things["gateway"].publish == ["gateway/up", "up/gateway/+"]  # a repeat after substitution is dropped
    assert things["gateway"].subscribe == ["down/gateway/#"]
    assert things["m-1"].publish == ["fixed/topic"] and things["m-1"].subscribe == []


def test_members_are_ordinary_thing_resources(stack_dir):
    spec = load(stack_dir, """\
things:
  dashboard: {subscribe: ["telemetry/#"]}
thingGroups:
  sensors:
    things: [sensor-1, sensor-2]
    publish: ["telemetry/${thing}/#"]
""")
    resources = thing_resources(spec)
    assert sorted(resources) == ["thing:dashboard", "thing:sensor-1", "thing:sensor-2"]
    assert resources["thing:sensor-1"].props == {"publish": ["telemetry/sensor-1/#"], "subscribe": []}


def test_the_spec_round_trips_through_its_dump(stack_dir):
    spec = load(stack_dir, """\
things:
  solo: {publish: ["a/${thing}"]}
thingGroups:
  sensors: {things: [sensor-1], publish: ["telemetry/${thing}/#"]}
""")
    again = StackSpec.model_validate(spec.model_dump(mode="json"))
    assert again == spec and things_of(again) == things_of(spec)


def test_a_name_in_things_and_in_a_group_is_reported_at_the_member(stack_dir):
    found = problems(stack_dir, """\
things:
  sensor-1: {}
thingGroups:
  sensors:
    things: [sensor-2, sensor-1]
""")
    assert found == ["overcast.yml:8:24: thingGroups.sensors.things[1]: thing 'sensor-1' is already declared "
                     "under things; a thing has one pair of allow-lists, so declare it once (under things, "
                     "or in one group)"]


def test_a_name_in_two_groups_or_twice_in_one_is_reported_where_it_repeats(stack_dir):
    found = problems(stack_dir, """\
thingGroups:
  a:
    things: [x, y]
  b:
    things:
      - z
      - y
      - z
""")
    assert len(found) == 2
    assert found[0].startswith("overcast.yml:10:9: thingGroups.b.things[1]: thing 'y' is already declared in "
                               "thing group 'a'")
    assert found[1].startswith("overcast.yml:11:9: thingGroups.b.things[2]: thing 'z' is already declared "
                               "earlier in this list (thingGroups.b.things[0])")


def test_duplicates_are_refused_in_specs_built_in_code():
    with pytest.raises(ValidationError, match="thing 'x' is already declared under things"):
        StackSpec.model_validate({"stack": "s", "functions": {"f": {"handler": "app.handler"}},
                                  "things": {"x": {}}, "thingGroups": {"g": {"things": ["x"]}}})


@pytest.mark.parametrize("group, expected", [
    ("    things: []\n", "overcast.yml:6:5: thingGroups.g.things: a thing group needs at least one member"),
    ("    publish: [a]\n", "overcast.yml:5:3: thingGroups.g.things: missing required key 'things'"),
    ("    things: [bad.name]\n", "overcast.yml:6:14: thingGroups.g.things[0]: thing name must be"),
    ("    things: [t]\n    members: [u]\n", "overcast.yml:7:5: thingGroups.g.members: unknown key 'members'"),
])
def test_member_list_problems(stack_dir, group, expected):
    found = problems(stack_dir, "thingGroups:\n  g:\n" + group)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_filter_is_checked_after_substitution(stack_dir):
    # '${thing}/#' starts with '$' as written, yet is a valid filter once the name is in
    spec = load(stack_dir, 'thingGroups:\n  g:\n    things: [t1]\n    publish: ["${thing}/#"]\n')
    assert things_of(spec)["t1"].publish == ["t1/#"]
    found = problems(stack_dir, """\
thingGroups:
  g:
    things: [t1]
    publish: [ok/+, "a/${thing}#"]
things:
  solo:
    subscribe: ["${thing}+/x"]
""")
    assert found == [
        "overcast.yml:7:21: thingGroups.g.publish[1]: topic filter 'a/${thing}#' with ${thing} = 't1': "
        "topic filter 'a/t1#': '#' must be the whole last level (as in 'a/b/#')",
        "overcast.yml:10:17: things.solo.subscribe[0]: topic filter '${thing}+/x' with ${thing} standing for the "
        "thing's name: topic filter 'thing+/x': '+' must fill a whole level (as in 'a/+/c')",
    ]


def test_a_filter_without_the_variable_is_still_checked_as_written(stack_dir):
    found = problems(stack_dir, 'thingGroups:\n  g:\n    things: [t1]\n    subscribe: ["$SYS/#"]\n')
    assert len(found) == 1 and "overcast.yml:7:17: thingGroups.g.subscribe[0]: topic filter '$SYS/#': " \
        "topics starting with '$' are reserved to the broker" == found[0]


def test_other_references_are_resolved_and_unknown_ones_stay_errors(stack_dir, monkeypatch):
    spec = stack_dir.load("\n" + HEAD + """\
custom:
  root: telemetry
thingGroups:
  g:
    things: [t1]
    publish: ["${self:custom.root}/${stage}/${thing}"]
""", stage="prod").spec
    assert things_of(spec)["t1"].publish == ["telemetry/prod/t1"]
    found = problems(stack_dir, """\
thingGroups:
  g:
    things: [t1, "${thing}"]
    publish: ["${iot:ClientId}/x", "${nope}/x"]
things:
  solo:
    subscribe: ["a/${thingname}"]
""")
    assert found == [
        "overcast.yml:6:19: thingGroups.g.things[1]: ${thing} (the thing's name) is only allowed in publish and "
        "subscribe topic filters",
        "overcast.yml:7:16: thingGroups.g.publish[0]: ${iot:ClientId}: the only policy variable of a topic filter "
        "is ${thing} (or ${iot:Connection.Thing.ThingName}), the thing's name",
        "overcast.yml:7:37: thingGroups.g.publish[1]: unknown reference kind 'nope' in ${nope} (references are "
        "${stage}, ${env:VAR}, ${self:PATH}, ${file(PATH):KEY}, ${stack:STACK.OUTPUT})",
        "overcast.yml:10:20: things.solo.subscribe[0]: unknown reference ${thingname}; did you mean ${thing} "
        "(the thing's name)?",
    ]


def test_thing_variable_outside_things_is_an_unknown_reference(stack_dir):
    found = problems(stack_dir, "outputs:\n  o: ${thing}\n")
    assert len(found) == 1 and "unknown reference kind 'thing'" in found[0] and "overcast.yml:5:" in found[0]


def test_a_flow_list_holding_an_unquoted_reference_gets_a_hint(stack_dir):
    found = problems(stack_dir, "thingGroups:\n  g:\n    things: [t1]\n    publish: [telemetry/${thing}/#]\n")
    assert len(found) == 1 and found[0].startswith("overcast.yml:7:26: (yaml): YAML syntax error")
    assert "quote a string holding '${...}' inside [...]" in found[0]


def test_limits_apply_after_expansion(stack_dir):
    most = limits.LIMITS["mqtt.things_per_stack"].value
    members = ", ".join(f"m{i}" for i in range(most - 1))
    assert things_of(load(stack_dir, f"things:\n  a: {{}}\nthingGroups:\n  g:\n    things: [{members}]\n"))
    found = problems(stack_dir, f"things:\n  a: {{}}\n  b: {{}}\nthingGroups:\n  g:\n    things: [{members}]\n")
    assert len(found) == 1 and found[0].startswith(
        f"overcast.yml:7:1: thingGroups: the stack declares (things and group members) {most + 1} things; "
        f"at most {most} are allowed (limit mqtt.things_per_stack")
    filters = ", ".join(f"t/{i}" for i in range(limits.LIMITS["mqtt.filters_per_thing"].value + 1))
    found = problems(stack_dir, f"thingGroups:\n  g:\n    things: [c]\n    subscribe: [{filters}]\n")
    assert len(found) == 1 and found[0].startswith("overcast.yml:7:5: thingGroups.g.subscribe: subscribe lists")


def test_json_schema_knows_thing_groups():
    schema = stack_json_schema()
    group = schema["$defs"]["ThingGroupSpec"]
    assert schema["properties"]["thingGroups"]["additionalProperties"] == {"$ref": "#/$defs/ThingGroupSpec"}
    assert group["required"] == ["things"] and group["additionalProperties"] is False
    assert group["properties"]["things"]["minItems"] == 1 and group["properties"]["things"]["uniqueItems"]
    assert set(group["properties"]) == {"things", "publish", "subscribe"}
