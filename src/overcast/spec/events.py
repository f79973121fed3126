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
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

from overcast.spec.rules import FUNCTION_NAME, STACK_NAME, in_range, rule_error
from overcast.spec.streams import QUEUE_NAME, STREAM_NAME, arn_name, current
from overcast.spec.tables import TABLE_NAME

Position = Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]
ResponseType = Literal["ReportBatchItemFailures"]
TABLE_BATCH_MAX = 1000  # Lambda: DynamoDB Streams BatchSize is 1..1000
SQS_PLAIN_BATCH_MAX = 10  # Lambda: SQS BatchSize above 10 needs a batching window
SCHEDULE_SHAPE = re.compile(r"^(rate|cron)\(.+\)$")
# Lambda event filtering: comparison operators a pattern may use inside a value list.
FILTER_OPERATORS = frozenset({"prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case",
                              "wildcard", "cidr"})
_QUALIFIED_FUNCTION = re.compile(STACK_NAME.pattern[:-1] + r"\." + FUNCTION_NAME.pattern[1:])


_NAMES = {"stream": STREAM_NAME, "queue": QUEUE_NAME, "table": TABLE_NAME}


def source_ref(kind: str, ref: str) -> str:
    """Check a reference to a stream, table or queue (kept as written; ``Declared.physical`` resolves it)."""
    declared = current()
    if declared.declares(kind, ref):
        if kind == "table" and declared.table_views.get(ref) is None:
            raise rule_error(f"table {ref!r} of this stack has no change stream; declare its view type, e.g. "
                             "'stream: NEW_AND_OLD_IMAGES', to consume it")
        return ref
    if not _NAMES[kind].match(arn_name(kind, ref) or ref):
        raise rule_error(f"{kind} {ref!r} is not a {kind} of this stack, nor a valid physical {kind} name or ARN")
    return ref


def check_target(value: str, kinds: tuple[str, ...], field: str) -> str:
    """``queue:NAME`` / ``stream:NAME`` / ``function:NAME`` (NAME: this stack's, else physical)."""
    kind, sep, name = value.partition(":")
    if not sep or kind not in kinds or not name:
        shown = [k + ":NAME" for k in kinds]
        raise rule_error(f"{field} must be {', '.join(shown[:-1])} or {shown[-1]}, got {value!r}")
    declared = current()
    if kind == "function":
        if not (name in declared.functions or FUNCTION_NAME.match(name) or _QUALIFIED_FUNCTION.match(name)):
            raise rule_error(f"{field}: {name!r} is not a function of this stack, 'stack.function' or a function "
                             "name (1-64 letters, digits, '-' or '_')")
    elif not declared.declares(kind, name) and not _NAMES[kind].match(name):
        raise rule_error(f"{field}: {name!r} is not a {kind} of this stack, nor a valid physical {kind} name")
    return value


def load_filter_pattern(value: object) -> object:
    """A pattern written as a JSON string (as in the Lambda API) becomes the object it holds."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise rule_error(f"filter pattern is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise rule_error("a filter pattern must be a JSON object, e.g. '{\"data\": {\"kind\": [\"order\"]}}'")
    return value


def check_filter_pattern(pattern: object, where: str) -> None:
    """Lambda's rules: objects nest; every leaf is a non-empty list of values or one-operator objects."""
    if not isinstance(pattern, dict) or not pattern:
        raise rule_error(f"{where} must be a non-empty object")
    for key, value in pattern.items():
        at = f"{where}: {key}" if " " in where else f"{where}.{key}"
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise rule_error(f"{at} must be a list of at least two patterns")
            for index, alternative in enumerate(value):
                check_filter_pattern(alternative, f"{at}[{index}]")
        elif isinstance(value, dict):
            check_filter_pattern(value, at)
        elif isinstance(value, list) and value:
            for item in value:
                if isinstance(item, dict) and (len(item) != 1 or next(iter(item)) not in FILTER_OPERATORS):
                    raise rule_error(f"{at}: a matcher object holds one of {', '.join(sorted(FILTER_OPERATORS))}, "
                                     f"got {json.dumps(item)}")
        else:
            raise rule_error(f"{at} must be an object or a non-empty list of values to match, e.g. [\"order\"]")


def _pattern(value: dict) -> dict:
    check_filter_pattern(value, "a filter pattern")
    return value


FilterPattern = Annotated[dict[str, Any], BeforeValidator(load_filter_pattern, json_schema_input_type=dict | str),
                          AfterValidator(_pattern)]


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


class StreamDestinations(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    onFailure: str | None = Field(None, description="queue:NAME or stream:NAME receiving records that failed; "
                                  "default: the function's dead-letter queue {stack}-{stage}-{function}-dlq")

    @field_validator("onFailure")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        return value if value is None else check_target(value, ("queue", "stream"), "onFailure")


class AsyncDestinations(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    onSuccess: str | None = Field(None, description="queue:NAME, stream:NAME or function:NAME")
    onFailure: str | None = Field(None, description="queue:NAME, stream:NAME or function:NAME")

    @field_validator("onSuccess", "onFailure")
    @classmethod
    def _target(cls, value: str | None, info) -> str | None:
        return value if value is None else check_target(value, ("queue", "stream", "function"), info.field_name)


class StreamEvent(BaseModel):
    """A Kinesis-compatible stream or a table's change stream feeding the function in batches, shard by shard.

    Safer defaults than AWS: maximumRetryAttempts 3 (AWS: -1, infinite) and
    bisectBatchOnFunctionError true (AWS: false), and records that still fail
    go to the function's dead-letter queue unless destinations.onFailure says where.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    stream: str | None = Field(None, description="a stream: logical name in this stack, else a physical name or ARN")
    table: str | None = Field(None, description="a table's change stream: logical table of this stack (it must "
                              "declare stream:), else a physical table name or ARN")
    batchSize: int = Field(100, description="records per batch: 1-10000 (tables: 1-1000)",
                           json_schema_extra={"minimum": 1, "maximum": 10000})
    maximumBatchingWindow: int = Field(0, description="seconds to gather a batch (0-300)",
                                       json_schema_extra={"minimum": 0, "maximum": 300})
    startingPosition: Position = Field("TRIM_HORIZON", description="TRIM_HORIZON (default), LATEST or AT_TIMESTAMP "
                                       "(streams only)")
    startingPositionTimestamp: int | float | None = Field(None, description="epoch seconds; required iff "
                                                          "startingPosition is AT_TIMESTAMP")
    parallelizationFactor: int = Field(1, description="concurrent batches per shard (1-10)",
                                       json_schema_extra={"minimum": 1, "maximum": 10})
    maximumRetryAttempts: int = Field(3, description="retries of a failing batch: -1 (until the record expires) to "
                                      "10000; overcast default 3 (AWS: -1)",
                                      json_schema_extra={"minimum": -1, "maximum": 10000})
    maximumRecordAgeInSeconds: int = Field(-1, description="skip older records to onFailure: -1 (no limit) or "
                                           "60-604800")
    bisectBatchOnFunctionError: bool = Field(True, description="split a failing batch in two and retry each half; "
                                             "overcast default true (AWS: false)")
    functionResponseTypes: list[ResponseType] = Field(
        default_factory=list, description="[ReportBatchItemFailures] lets the handler report partial failures")
    destinations: StreamDestinations | None = None
    filterPatterns: list[FilterPattern] = Field(
        default_factory=list, description="Lambda event filtering patterns (objects or JSON strings); a record is "
        "delivered when any pattern matches")
    enabled: bool = True

    @field_validator("stream")
    @classmethod
    def _stream(cls, value: str | None) -> str | None:
        return value if value is None else source_ref("stream", value)

    @field_validator("table")
    @classmethod
    def _table(cls, value: str | None) -> str | None:
        return value if value is None else source_ref("table", value)

    @field_validator("batchSize")
    @classmethod
    def _batch(cls, value: int) -> int:
        return in_range("batchSize", value, "esm.batch_size")

    @field_validator("maximumBatchingWindow")
    @classmethod
    def _window(cls, value: int) -> int:
        return in_range("maximumBatchingWindow", value, "esm.batching_window")

    @field_validator("parallelizationFactor")
    @classmethod
    def _parallel(cls, value: int) -> int:
        return in_range("parallelizationFactor", value, "esm.parallelization")

    @field_validator("maximumRetryAttempts")
    @classmethod
    def _retries(cls, value: int) -> int:
        return in_range("maximumRetryAttempts", value, "esm.retry_attempts", note="; -1 retries until the record "
                        "expires")

    @field_validator("maximumRecordAgeInSeconds")
    @classmethod
    def _age(cls, value: int) -> int:
        return value if value == -1 else in_range("maximumRecordAgeInSeconds", value, "esm.record_age",
                                                  note="; or -1 for no limit")

    @model_validator(mode="after")
    def _rules(self) -> StreamEvent:
        if (self.stream is None) == (self.table is None):
            raise rule_error("a stream event names exactly one source: 'stream: NAME' (a stream) or 'table: NAME' "
                             "(a table's change stream)")
        if self.table is not None and self.batchSize > TABLE_BATCH_MAX:
            raise rule_error(f"batchSize of a table stream must be between 1 and {TABLE_BATCH_MAX} (as DynamoDB "
                             f"Streams), got {self.batchSize}")
        if self.table is not None and self.startingPosition == "AT_TIMESTAMP":
            raise rule_error("startingPosition AT_TIMESTAMP is for streams only; a table stream starts at "
                             "TRIM_HORIZON or LATEST (as DynamoDB Streams)")
        if (self.startingPosition == "AT_TIMESTAMP") != (self.startingPositionTimestamp is not None):
            raise rule_error("startingPositionTimestamp (epoch seconds) is required with startingPosition "
                             "AT_TIMESTAMP and allowed only with it")
        return self


class SqsEvent(BaseModel):
    """A queue feeding the function in batches; failed messages return to the queue, then its dead-letter queue."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    queue: str = Field(description="logical queue name in this stack, else a physical queue name or ARN")
    maximumBatchingWindow: int = Field(0, description="seconds to gather a batch (0-300; not for FIFO queues)",
                                       json_schema_extra={"minimum": 0, "maximum": 300})
    batchSize: int = Field(10, description="messages per batch: 1-10, or up to 10000 with a maximumBatchingWindow "
                           "(standard queues)", json_schema_extra={"minimum": 1, "maximum": 10000})
    functionResponseTypes: list[ResponseType] = Field(
        default_factory=list, description="[ReportBatchItemFailures] lets the handler report partial failures")
    maximumConcurrency: int | None = Field(None, description="most concurrent invocations for this queue (2-1000)",
                                           json_schema_extra={"minimum": 2, "maximum": 1000})
    filterPatterns: list[FilterPattern] = Field(
        default_factory=list, description="Lambda event filtering patterns (objects or JSON strings); messages "
        "matching none are deleted, as Lambda does")
    enabled: bool = True

    @field_validator("queue")
    @classmethod
    def _queue(cls, value: str) -> str:
        return source_ref("queue", value)

    @field_validator("maximumBatchingWindow")
    @classmethod
    def _window(cls, value: int) -> int:
        return in_range("maximumBatchingWindow", value, "esm.batching_window")

    @field_validator("batchSize")
    @classmethod
    def _batch(cls, value: int) -> int:
        return in_range("batchSize", value, "esm.batch_size")

    @field_validator("maximumConcurrency")
    @classmethod
    def _concurrency(cls, value: int | None) -> int | None:
        # Lambda: ScalingConfig.MaximumConcurrency is 2..1000.
        if value is not None and not 2 <= value <= 1000:
            raise rule_error(f"maximumConcurrency must be between 2 and 1000 (as Lambda), got {value}")
        return value

    @model_validator(mode="after")
    def _rules(self) -> SqsEvent:
        fifo = current().queue_is_fifo(self.queue)
        if fifo and self.maximumBatchingWindow:
            raise rule_error(f"queue {self.queue!r} is a FIFO queue: maximumBatchingWindow must be 0 (as Lambda)")
        if self.batchSize > SQS_PLAIN_BATCH_MAX and (fifo or not self.maximumBatchingWindow):
            why = "a FIFO queue" if fifo else "a queue without a maximumBatchingWindow"
            raise rule_error(f"batchSize of {why} must be between 1 and {SQS_PLAIN_BATCH_MAX} (as Lambda), got "
                             f"{self.batchSize}" + ("" if fifo else "; set maximumBatchingWindow (1-300 seconds) for "
                                                    "larger batches"))
        return self


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


class AsyncSpec(BaseModel):
    """Asynchronous invocation settings (Lambda's EventInvokeConfig); AWS's defaults."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    maximumRetryAttempts: int = Field(2, description="retries after a failed asynchronous invocation (0-2)",
                                      json_schema_extra={"minimum": 0, "maximum": 2})
    maximumEventAge: int = Field(21600, description="seconds an event may wait before it is dropped to onFailure "
                                 "(60-21600)", json_schema_extra={"minimum": 60, "maximum": 21600})
    destinations: AsyncDestinations | None = None

    @field_validator("maximumRetryAttempts")
    @classmethod
    def _retries(cls, value: int) -> int:
        return in_range("maximumRetryAttempts", value, "lambda.async_retries")

    @field_validator("maximumEventAge")
    @classmethod
    def _age(cls, value: int) -> int:
        return in_range("maximumEventAge", value, "lambda.async_event_age")


def check_function_events(events: list[EventSpec], timeout: int | None) -> list[EventSpec]:
    """Rules across one function's events: a source is mapped once (as Lambda); a queue of this stack must
    stay hidden at least as long as the function may run (Lambda refuses the mapping otherwise)."""
    declared = current()
    seen: dict[tuple[str, str], int] = {}
    for index, event in enumerate(events):
        if event.stream is not None:
            kind = "table" if event.stream.table is not None else "stream"
            source = (kind, declared.physical(kind, event.stream.table or event.stream.stream))
        elif event.sqs is not None:
            source = ("queue", declared.physical("queue", event.sqs.queue))
            logical = declared.logical_queue(event.sqs.queue)
            visibility = declared.visibility.get(logical) if logical is not None else None
            if isinstance(visibility, int) and isinstance(timeout, int) and visibility < timeout:
                raise rule_error(f"events[{index}]: queue {event.sqs.queue!r} has visibilityTimeout {visibility} s, "
                                 f"less than the function's timeout {timeout} s; raise the queue's visibilityTimeout "
                                 "(AWS recommends 6 times the timeout)")
        else:
            continue
        if source in seen:
            raise rule_error(f"events[{index}] consumes {source[0]} {source[1]!r} again (events[{seen[source]}] "
                             "already does); a function has one mapping per source, as in Lambda")
        seen[source] = index
    return events
