"""The ``thingGroups:`` section of a stack file (pure): many things sharing one pair of allow-lists.

    thingGroups:
      sensors:
        things: [sensor-1, sensor-2, sensor-3]        # members: each an ordinary thing (own username, password)
        publish: ["telemetry/${thing}/#"]              # ${thing} = each member's own name (quoted: in a
        subscribe: ["commands/${thing}/#", broadcast/+]  #   [...] list YAML reads an unquoted { as a mapping)

A group is shorthand, not a platform object: ``things_of(spec)`` gives every member as a ``ThingSpec`` with
``${thing}`` (or ``${iot:Connection.Thing.ThingName}``) replaced by its name, after the stack's plain
``things`` (expanded the same way), so deploy resources (``thing:NAME``), engine users, passwords and
``overcast things`` only ever see things. The rules:

- a thing name is declared once: under ``things:`` or in one group's member list. A thing has one pair of
  allow-lists (AWS IoT merges the policies of all a thing's groups; overcast does not merge), so a second
  declaration is an error placed at it;
- a group lists at least one member;
- each filter must be a valid topic filter for every member once ``${thing}`` is substituted, and
  ``mqtt.filters_per_thing`` holds for the group's lists and each member's expanded ones;
- ``mqtt.things_per_stack`` counts the members together with the plain things (no per-group limit: AWS IoT
  has none on a static group's size).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from overcast.spec.problems import format_path
from overcast.spec.rules import rule_error
from overcast.spec.things import (
    THING_NAME,
    THING_VARIABLE,
    ThingName,
    ThingSpec,
    check_filter_for,
    check_thing_count,
    expand_thing,
    filter_list,
)

# AWS IoT thing group names allow [a-zA-Z0-9:_-]{1,128}; ':' is left out as for thing names.
GROUP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

DataPath = tuple[str | int, ...]


def _check_group_name(value: str) -> str:
    if not GROUP_NAME.match(value):
        raise rule_error(f"thing group name must be 1-128 letters, digits, '_' or '-', got {value!r}")
    return value


def _check_group_filter(value: str, info: ValidationInfo) -> str:
    members = info.data.get("things")  # absent when the member list itself is wrong
    if not members or not THING_VARIABLE.search(value):
        check_filter_for(value, None)
        return value
    for name in members:
        check_filter_for(value, name)
    return value


GroupName = Annotated[str, AfterValidator(_check_group_name)]
GroupFilter = Annotated[str, AfterValidator(_check_group_filter)]


class ThingGroupSpec(BaseModel):
    """Things (members) sharing topic allow-lists in which ${thing} is each member's own name."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    things: list[ThingName] = Field(
        description="member thing names (each an MQTT username with its own password); at least one, "
        "each declared once in the stack", json_schema_extra={"minItems": 1, "uniqueItems": True,
                                                                "items": {"type": "string",
                                                                          "pattern": THING_NAME.pattern}})
    publish: list[GroupFilter] = Field(
        default_factory=list, description="MQTT topic filters every member may publish to ('+' and '#' allowed; "
        "${thing} is the member's name)")
    subscribe: list[GroupFilter] = Field(
        default_factory=list, description="MQTT topic filters every member may subscribe to ('+' and '#' "
        "allowed; ${thing} is the member's name)")

    @field_validator("things")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        if not value:
            raise rule_error("a thing group needs at least one member, e.g. 'things: [sensor-1, sensor-2]'")
        return value

    @field_validator("publish")
    @classmethod
    def _publish(cls, value: list[str]) -> list[str]:
        return filter_list(value, "publish")

    @field_validator("subscribe")
    @classmethod
    def _subscribe(cls, value: list[str]) -> list[str]:
        return filter_list(value, "subscribe")


def check_thing_groups(value: dict[str, ThingGroupSpec], info: ValidationInfo) -> dict[str, ThingGroupSpec]:
    """The members count towards ``mqtt.things_per_stack`` with the stack's plain things."""
    members = sum(len(group.things) for group in value.values())
    check_thing_count(members + len(info.data.get("things") or {}), "the stack declares (things and group members)")
    return value


def things_of(spec) -> dict[str, ThingSpec]:
    """Every thing of a validated ``StackSpec``, by name: plain things first, then group members, in file
    order, each with ``${thing}`` replaced by its name."""
    out = {name: expand_thing(name, thing) for name, thing in (getattr(spec, "things", None) or {}).items()}
    for group in (getattr(spec, "thingGroups", None) or {}).values():
        shared = ThingSpec.model_construct(publish=list(group.publish), subscribe=list(group.subscribe))
        for name in group.things:
            out[name] = expand_thing(name, shared)
    return out


@dataclass(frozen=True, slots=True)
class DuplicateThing:
    name: str
    first: DataPath  # ("things", NAME) or ("thingGroups", GROUP, "things", INDEX)
    again: DataPath


def find_duplicate_things(things: object, groups: object) -> list[DuplicateThing]:
    """Thing names declared more than once (under ``things:`` and in groups' member lists), in file order.

    Tolerates raw (unvalidated) data so the loader can report duplicates alongside other problems."""
    seen: dict[str, DataPath] = {}
    found: list[DuplicateThing] = []
    if isinstance(things, Mapping):
        seen.update({name: ("things", name) for name in things if isinstance(name, str)})
    for group, body in (groups.items() if isinstance(groups, Mapping) else ()):
        members = body.get("things") if isinstance(body, Mapping) else getattr(body, "things", None)
        if not isinstance(members, Sequence) or isinstance(members, str):
            continue
        for index, name in enumerate(members):
            if not isinstance(name, str):
                continue
            path = ("thingGroups", group, "things", index)
            if name in seen:
                found.append(DuplicateThing(name, seen[name], path))
            else:
                seen[name] = path
    return found


def duplicate_thing_message(dup: DuplicateThing) -> str:
    """Names where the thing was declared first."""
    if dup.first[0] == "things":
        where = "under things"
    elif dup.first[1] == dup.again[1]:
        where = f"earlier in this list ({format_path(dup.first)})"
    else:
        where = f"in thing group '{dup.first[1]}'"
    return (f"thing '{dup.name}' is already declared {where}; a thing has one pair of allow-lists, so declare it "
            "once (under things, or in one group)")


def check_unique_things(things: Mapping, groups: Mapping) -> None:
    """For specs built in code; the loader reports each duplicate at its own line instead."""
    duplicates = find_duplicate_things(things, groups)
    if duplicates:
        raise PydanticCustomError(
            "duplicate_thing", "{message}", {"message": "; ".join(duplicate_thing_message(d) for d in duplicates)})
