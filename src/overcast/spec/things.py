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
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from overcast import limits
from overcast.realtime.topics import TopicError, filter_to_subjects
from overcast.spec.rules import rule_error

# AWS IoT thing names allow [a-zA-Z0-9:_-]{1,128}; ':' is kept for the platform's own engine users.
THING_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def check_thing_name(value: str) -> str:
    if not THING_NAME.match(value):
        raise rule_error(f"thing name must be 1-128 letters, digits, '_' or '-', got {value!r}")
    return value


def check_topic_filter(value: str) -> str:
    if value.startswith("$"):
        raise rule_error(f"topic filter {value!r}: topics starting with '$' are reserved to the broker")
    try:
        filter_to_subjects(value)
    except TopicError as exc:
        raise rule_error(exc.message) from None
    return value


ThingName = Annotated[str, AfterValidator(check_thing_name)]
TopicFilter = Annotated[str, AfterValidator(check_topic_filter)]


def _filters(value: list[str], what: str) -> list[str]:
    lim = limits.LIMITS["mqtt.filters_per_thing"]
    if len(value) > lim.value:
        raise rule_error(f"{what} lists {len(value)} topic filters; at most {lim.value} are allowed "
                         f"(limit {lim.name}, {lim.kind})")
    return list(dict.fromkeys(value))


class ThingSpec(BaseModel):
    """One device identity and the MQTT topics it may use."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    publish: list[TopicFilter] = Field(
        default_factory=list, description="MQTT topic filters the thing may publish to ('+' and '#' allowed)")
    subscribe: list[TopicFilter] = Field(
        default_factory=list, description="MQTT topic filters the thing may subscribe to ('+' and '#' allowed); "
        "a subscription must fall inside one of them")

    @field_validator("publish")
    @classmethod
    def _publish(cls, value: list[str]) -> list[str]:
        return _filters(value, "publish")

    @field_validator("subscribe")
    @classmethod
    def _subscribe(cls, value: list[str]) -> list[str]:
        return _filters(value, "subscribe")


def check_things(value: dict[str, ThingSpec]) -> dict[str, ThingSpec]:
    lim = limits.LIMITS["mqtt.things_per_stack"]
    if len(value) > lim.value:
        raise rule_error(f"the stack declares {len(value)} things; at most {lim.value} are allowed "
                         f"(limit {lim.name}, {lim.kind})")
    return value
