"""A function's ``events:`` (event sources) and ``async:`` (asynchronous invocation settings) (pure models).

    functions:
      consume:
        handler: app.handler
        events:
          - stream: {stream: orders, batchSize: 100, startingPosition: TRIM_HORIZON}   # or table: todos
          - sqs: {queue: jobs, batchSize: 10}
          - schedule: rate(5 minutes)                   # or {rate: "cron(0 12 * * ? *)", input: {...}}
        async: {maximumRetryAttempts: 2, maximumEventAge: 21600, destinations: {onFailure: queue:failed}}

Names of streams, queues and tables are resolved this way (see ``Declared``):
a logical name declared in this stack means that resource; an ARN means the
resource it names; anything else must be a valid physical name and means a
resource outside this stack (another stack's, or one made through the AWS
APIs) — the deploy does not require it to exist yet.

Checks against the rest of the stack (is ``todos`` a table with a stream? is
``jobs`` a FIFO queue?) run only while a ``StackSpec`` is validated
(``declared_in``); a ``FunctionSpec`` validated alone gets the per-field checks.

This module holds ``EventSpec`` (one entry of ``events:``) and the schedule
event; the other parts live in their own modules and are re-exported here:
``streamevents`` / ``sqsevents`` (the stream and queue events), ``asyncspec``
(``async:``), ``eventchecks`` (reference and cross-event checks) and
``eventfields`` (filter patterns, response types).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_serializer, model_validator

from overcast.spec.asyncspec import AsyncDestinations, AsyncSpec
from overcast.spec.eventchecks import check_function_events, check_target, source_ref
from overcast.spec.eventfields import (
    FILTER_OPERATORS,
    FilterPattern,
    ResponseType,
    check_filter_pattern,
    load_filter_pattern,
)
from overcast.spec.rules import rule_error
from overcast.spec.sqsevents import SQS_PLAIN_BATCH_MAX, SqsEvent
from overcast.spec.streamevents import TABLE_BATCH_MAX, Position, StreamDestinations, StreamEvent

__all__ = [
    "FILTER_OPERATORS", "SCHEDULE_SHAPE", "SQS_PLAIN_BATCH_MAX", "TABLE_BATCH_MAX", "AsyncDestinations", "AsyncSpec",
    "EventSpec", "FilterPattern", "Position", "ResponseType", "ScheduleEvent", "SqsEvent", "StreamDestinations",
    "StreamEvent", "check_filter_pattern", "check_function_events", "check_target", "load_filter_pattern",
    "schedule_shape", "source_ref",
]

SCHEDULE_SHAPE = re.compile(r"^(rate|cron)\(.+\)$")


def schedule_shape(value: str) -> str:
    """'rate(...)' or 'cron(...)'; the full grammar when ``overcast.sources.schedules`` is installed."""
    if not SCHEDULE_SHAPE.match(value.strip()):
        raise rule_error(f"schedule must be 'rate(VALUE UNIT)' or 'cron(FIELDS)' (EventBridge syntax), got {value!r}")
    try:
        from overcast.sources.schedules import parse
    except ImportError:
        return value
    try:
        parse(value)
    except ValueError as exc:
        raise rule_error(f"schedule {exc}") from None
    return value


def _short_schedule(value: object) -> object:
    return {"rate": value} if isinstance(value, str) else value


class ScheduleEvent(BaseModel):
    """A schedule (EventBridge rate or cron expression, UTC) invoking the function asynchronously."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rate: str = Field(description="'rate(5 minutes)' or 'cron(0 12 * * ? *)' (EventBridge syntax, UTC)")
    input: dict[str, Any] | None = Field(None, description="the event passed to the function (default: an "
                                         "EventBridge 'Scheduled Event')")
    enabled: bool = True
    description: str | None = None

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        return schedule_shape(value)


class EventSpec(BaseModel):
    """One event source of a function: exactly one of stream, sqs or schedule."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True,
                              json_schema_extra={"minProperties": 1, "maxProperties": 1})

    stream: StreamEvent | None = Field(None, description="a stream or a table's change stream")
    sqs: SqsEvent | None = Field(None, description="a queue")
    schedule: Annotated[ScheduleEvent, BeforeValidator(_short_schedule, json_schema_input_type=str | ScheduleEvent)] \
        | None = Field(None, description="'rate(...)' / 'cron(...)', or {rate, input, enabled, description}")

    @model_validator(mode="after")
    def _one(self) -> EventSpec:
        given = [k for k in ("stream", "sqs", "schedule") if getattr(self, k) is not None]
        if len(given) != 1:
            raise rule_error("each event names exactly one source, 'stream:', 'sqs:' or 'schedule:', got "
                             + (", ".join(given) if given else "none"))
        return self

    @model_serializer(mode="wrap")
    def _only_the_source(self, handler) -> dict:
        return {k: v for k, v in handler(self).items() if v is not None}

    @property
    def kind(self) -> str:
        return "stream" if self.stream else "sqs" if self.sqs else "schedule"
