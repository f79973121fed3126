"""The ``things:`` section of a stack file (pure models): devices that connect over MQTT.

    things:
      sensor-1:                                  # thing name = its MQTT username
        publish: [telemetry/sensor-1/#]          # MQTT topic filters it may publish to
        subscribe: [commands/sensor-1/#, broadcast/+]

The platform issues each thing a password at deploy (never in the stack file).
The engine enforces the allow-lists: a publish outside ``publish`` is dropped,
a SUBSCRIBE outside ``subscribe`` is refused (SUBACK failure 0x80). Filters
must map onto NATS subjects (``overcast.realtime.topics``); topics starting
with ``$`` are reserved to the broker, as in MQTT.

A filter may hold the policy variable ``${thing}`` (AWS IoT's spelling
``${iot:Connection.Thing.ThingName}`` means the same): the thing's own name,
substituted before the filter is checked and given to the engine
(``expand_thing``). ``thingGroups`` (``overcast.spec.thinggroups``) share one
pair of lists among many things this way.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from overcast import limits
from overcast.realtime.topics import TopicError, filter_to_subjects
from overcast.spec.rules import rule_error

# AWS IoT thing names allow [a-zA-Z0-9:_-]{1,128}; ':' is kept for the platform's own engine users.
THING_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def check_thing_name(value: str) -> str:
    if not THING_NAME.match(value):
        raise rule_error(f"thing name must be 1-128 letters, digits, '_' or '-', got {value!r}")
    return value


# ${thing} and AWS IoT's ${iot:Connection.Thing.ThingName}; the reference resolver leaves both as written.
THING_VARIABLES = ("thing", "iot:Connection.Thing.ThingName")
THING_VARIABLE = re.compile(r"\$\{\s*(?:thing|iot:Connection\.Thing\.ThingName)\s*\}")
# Stands for the thing where its name is not known yet (a ThingSpec outside its mapping); any valid name
# gives the same verdict on a filter's shape.
PLACEHOLDER = "thing"


# Stack-file sections whose topic filters may hold ${thing}.
THING_SECTIONS = (("things",), ("thingGroups",))


def thing_variable(path: tuple[str | int, ...], text: str, body: str) -> bool:
    """Whether ``${body}`` (written ``text``) at ``path`` of a ``THING_SECTIONS`` section is the policy variable,
    kept for substitution (False: a stack-file reference). Raises ``ValueError`` for the variable outside a
    publish/subscribe filter, and for AWS IoT policy variables other than the thing name."""
    in_filter = len(path) >= 3 and path[2] in ("publish", "subscribe")  # a scalar there: the model says "list"
    if body.strip() in THING_VARIABLES:
        if not in_filter:
            raise ValueError(f"{text} (the thing's name) is only allowed in publish and subscribe topic filters")
        return True
    if in_filter and body.strip().startswith("iot:"):
        raise ValueError(f"{text}: the only policy variable of a topic filter is ${{thing}} (or "
                         "${iot:Connection.Thing.ThingName}), the thing's name")
    if in_filter and ":" not in body and difflib.get_close_matches(body.strip().lower(), ["thing"], cutoff=0.7):
        raise ValueError(f"unknown reference {text}; did you mean ${{thing}} (the thing's name)?")
    return False


def substitute_thing(topic_filter: str, name: str) -> str:
    """``topic_filter`` with every ``${thing}`` (either spelling) replaced by ``name``."""
    return THING_VARIABLE.sub(lambda _: name, topic_filter)


def check_topic_filter(value: str) -> str:
    if value.startswith("$"):
        raise rule_error(f"topic filter {value!r}: topics starting with '$' are reserved to the broker")
    try:
        filter_to_subjects(value)
    except TopicError as exc:
        raise rule_error(exc.message) from None
    return value


def check_filter_for(value: str, name: str | None) -> str:
    """``value`` with ``${thing}`` = ``name`` must be a valid topic filter; returns the substituted filter.

    ``name`` None: the thing is not known yet, ``PLACEHOLDER`` stands for it."""
    expanded = substitute_thing(value, name or PLACEHOLDER)
    try:
        return check_topic_filter(expanded)
    except PydanticCustomError as exc:
        if expanded == value:
            raise
        given = f"${{thing}} = {name!r}" if name else "${thing} standing for the thing's name"
        raise rule_error(f"topic filter {value!r} with {given}: {exc.context['message']}") from None


def _check_thing_filter(value: str) -> str:
    check_filter_for(value, None)
    return value


ThingName = Annotated[str, AfterValidator(check_thing_name)]
ThingFilter = Annotated[str, AfterValidator(_check_thing_filter)]  # may hold ${thing}


def filter_list(value: list[str], what: str) -> list[str]:
    """A publish or subscribe list within ``mqtt.filters_per_thing``, without repeats."""
    lim = limits.LIMITS["mqtt.filters_per_thing"]
    if len(value) > lim.value:
        raise rule_error(f"{what} lists {len(value)} topic filters; at most {lim.value} are allowed "
                         f"(limit {lim.name}, {lim.kind})")
    return list(dict.fromkeys(value))


class ThingSpec(BaseModel):
    """One device identity and the MQTT topics it may use."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    publish: list[ThingFilter] = Field(
        default_factory=list, description="MQTT topic filters the thing may publish to ('+' and '#' allowed; "
        "${thing} is the thing's name)")
    subscribe: list[ThingFilter] = Field(
        default_factory=list, description="MQTT topic filters the thing may subscribe to ('+' and '#' allowed; "
        "${thing} is the thing's name); a subscription must fall inside one of them")

    @field_validator("publish")
    @classmethod
    def _publish(cls, value: list[str]) -> list[str]:
        return filter_list(value, "publish")

    @field_validator("subscribe")
    @classmethod
    def _subscribe(cls, value: list[str]) -> list[str]:
        return filter_list(value, "subscribe")


def expand_thing(name: str, thing: ThingSpec) -> ThingSpec:
    """``thing`` as thing ``name`` gets it: ``${thing}`` replaced by ``name`` (repeats then dropped)."""
    def expanded(filters: list[str], what: str) -> list[str]:
        return filter_list([check_filter_for(f, name) for f in filters], f"{what} of thing {name!r}")

    return ThingSpec.model_construct(publish=expanded(thing.publish, "publish"),
                                 subscribe=expanded(thing.subscribe, "subscribe"))


def check_thing_count(count: int, where: str) -> None:
    lim = limits.LIMITS["mqtt.things_per_stack"]
    if count > lim.value:
        raise rule_error(f"{where} {count} things; at most {lim.value} are allowed (limit {lim.name}, {lim.kind})")


def check_things(value: dict[str, ThingSpec]) -> dict[str, ThingSpec]:
    check_thing_count(len(value), "the stack declares")
    for name, thing in value.items():
        expand_thing(name, thing)  # the exact names, as the engine will get them
    return value
