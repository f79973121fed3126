"""The ``streams:`` and ``queues:`` sections of a stack file (pure models).

    streams:
      orders:                         # logical name
        name: orders-${stage}         # physical stream name (default: the logical name)
        shards: 2                     # default 1; 1..limit kinesis.shards_per_stream
        retentionHours: 24            # default 24; 24..limit kinesis.retention_hours
        deletionPolicy: retain        # retain (default) | delete
    queues:
      jobs:
        name: jobs-${stage}           # physical queue name (default: the logical name, plus .fifo for a FIFO queue)
        fifo: false
        contentBasedDeduplication: false
        visibilityTimeout: 30
        delaySeconds: 0
        retentionPeriod: 345600
        maximumMessageSize: 262144
        receiveWaitTime: 0
        redrive: {deadLetterQueue: jobs-dlq, maxReceiveCount: 5}
        deletionPolicy: retain

Streams and queues are stateful: removing one from the stack keeps it (and its
records) unless its ``deletionPolicy`` is ``delete``.

``Declared`` is what a stack declares (streams, queues, tables, functions) and
how a reference to one is resolved: a logical name of this stack means that
resource; an ARN means the resource it names; anything else is taken as a
physical name of a resource outside the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from overcast import limits
from overcast.spec.rules import in_range, rule_error

STREAM_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
# SQS: up to 80 characters (the .fifo suffix included) of letters, digits, '-' and '_'.
QUEUE_NAME = re.compile(r"^(?=.{1,80}$)[a-zA-Z0-9_-]+(\.fifo)?$")
FIFO_SUFFIX = ".fifo"


def check_stream_name(value: str, what: str = "stream name") -> str:
    if not STREAM_NAME.match(value):
        raise rule_error(f"{what} must be 1-128 letters, digits, '_', '-' or '.', got {value!r}")
    return value


def check_queue_name(value: str, what: str = "queue name") -> str:
    if not QUEUE_NAME.match(value):
        raise rule_error(
            f"{what} must be 1-80 characters: letters, digits, '-' and '_', ending in '.fifo' for a FIFO queue, "
            f"got {value!r}"
        )
    return value


StreamKey = Annotated[str, AfterValidator(lambda v: check_stream_name(v, "logical stream name"))]
QueueKey = Annotated[str, AfterValidator(lambda v: check_queue_name(v, "logical queue name"))]
DeletionPolicy = Literal["retain", "delete"]


class StreamSpec(BaseModel):
    """A Kinesis-compatible stream the stack owns."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str | None = Field(None, description="physical stream name (default: the logical name); 1-128 letters, "
                             "digits, '_', '-' or '.'", json_schema_extra={"pattern": STREAM_NAME.pattern})
    shards: int = Field(1, description="number of shards (limit kinesis.shards_per_stream)",
                        json_schema_extra={"minimum": 1})
    retentionHours: int = Field(24, description="how long records are kept, in hours (limit kinesis.retention_hours)",
                                json_schema_extra={"minimum": 24, "maximum": 8760})
    deletionPolicy: DeletionPolicy = Field(
        "retain", description="retain (default): removing the stream from the stack keeps it and its records")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return value if value is None else check_stream_name(value)

    @field_validator("shards")
    @classmethod
    def _shards(cls, value: int) -> int:
        return in_range("shards", value, "kinesis.shards_per_stream")

    @field_validator("retentionHours")
    @classmethod
    def _retention(cls, value: int) -> int:
        return in_range("retentionHours", value, "kinesis.retention_hours")

    def physical_name(self, logical: str) -> str:
        return self.name or logical


class RedriveSpec(BaseModel):
    """Where messages go after too many receives (SQS RedrivePolicy)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    deadLetterQueue: str = Field(description="the dead-letter queue: a logical queue name of this stack, else a "
                                 "physical queue name")
    maxReceiveCount: int = Field(description="receives after which a message moves to the dead-letter queue (1-1000)",
                                 json_schema_extra={"minimum": 1, "maximum": 1000})

    @field_validator("deadLetterQueue")
    @classmethod
    def _dlq(cls, value: str) -> str:
        return check_queue_name(value, "deadLetterQueue")

    @field_validator("maxReceiveCount")
    @classmethod
    def _count(cls, value: int) -> int:
        # SQS accepts maxReceiveCount 1..1000.
        if not 1 <= value <= 1000:
            raise rule_error(f"maxReceiveCount must be between 1 and 1000 (as SQS), got {value}")
        return value


def _seconds(limit: str, description: str, default: int):
    lim = limits.LIMITS[limit]
    return Field(default, description=f"{description} (limit {limit})",
                 json_schema_extra={"minimum": lim.minimum, "maximum": lim.value})


class QueueSpec(BaseModel):
    """An SQS-compatible queue the stack owns."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str | None = Field(None, description="physical queue name (default: the logical name, with '.fifo' added "
                             "for a FIFO queue); 1-80 letters, digits, '-' and '_', ending in '.fifo' iff fifo",
                             json_schema_extra={"pattern": QUEUE_NAME.pattern})
    fifo: bool = Field(False, description="a FIFO queue (ordered per message group, exactly-once within 5 minutes)")
    contentBasedDeduplication: bool = Field(False, description="FIFO only: deduplicate by a SHA-256 of the body")
    visibilityTimeout: int = _seconds("sqs.visibility_timeout",
                                      "seconds a received message stays hidden", 30)
    delaySeconds: int = _seconds("sqs.delay_seconds", "seconds each new message stays hidden", 0)
    retentionPeriod: int = _seconds("sqs.retention_seconds", "seconds a message is kept", 345600)
    maximumMessageSize: int = Field(262144, description="largest message in bytes, 1024 up to limit sqs.message_size",
                                    json_schema_extra={"minimum": 1024, "maximum": 262144})
    receiveWaitTime: int = _seconds("sqs.wait_time", "default long-poll wait of ReceiveMessage", 0)
    redrive: RedriveSpec | None = Field(None, description="dead-letter queue and maxReceiveCount")
    deletionPolicy: DeletionPolicy = Field(
        "retain", description="retain (default): removing the queue from the stack keeps it and its messages")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return value if value is None else check_queue_name(value)

    @field_validator("visibilityTimeout")
    @classmethod
    def _visibility(cls, value: int) -> int:
        return in_range("visibilityTimeout", value, "sqs.visibility_timeout")

    @field_validator("delaySeconds")
    @classmethod
    def _delay(cls, value: int) -> int:
        return in_range("delaySeconds", value, "sqs.delay_seconds")

    @field_validator("retentionPeriod")
    @classmethod
    def _retention(cls, value: int) -> int:
        return in_range("retentionPeriod", value, "sqs.retention_seconds")

    @field_validator("maximumMessageSize")
    @classmethod
    def _size(cls, value: int) -> int:
        return in_range("maximumMessageSize", value, "sqs.message_size", 1024)

    @field_validator("receiveWaitTime")
    @classmethod
    def _wait(cls, value: int) -> int:
        return in_range("receiveWaitTime", value, "sqs.wait_time")

    @model_validator(mode="after")
    def _fifo_rules(self) -> QueueSpec:
        if self.name is not None and self.name.endswith(FIFO_SUFFIX) != self.fifo:
            raise rule_error(
                f"queue name {self.name!r} must end in '.fifo' exactly when fifo is true (fifo is "
                f"{str(self.fifo).lower()})"
            )
        if self.contentBasedDeduplication and not self.fifo:
            raise rule_error("contentBasedDeduplication applies to FIFO queues only; set fifo: true or remove it")
        return self

    def physical_name(self, logical: str) -> str:
        """The physical name: ``name``, else the logical name (``.fifo`` added for a FIFO queue)."""
        return queue_physical(logical, self.name, self.fifo)


def queue_physical(logical: str, name: str | None, fifo: bool) -> str:
    if name:
        return name
    return logical + FIFO_SUFFIX if fifo and not logical.endswith(FIFO_SUFFIX) else logical


def check_queue_keys(queues: dict[str, QueueSpec]) -> dict[str, QueueSpec]:
    """Physical names derived from logical names must be valid queue names of the right kind."""
    for logical, queue in queues.items():
        if queue.name is None:
            physical = queue.physical_name(logical)
            check_queue_name(physical, f"queue {logical!r}: its physical name (the logical name)")
            if physical.endswith(FIFO_SUFFIX) and not queue.fifo:
                raise rule_error(f"queue {logical!r}: a name ending in '.fifo' needs fifo: true")
    fifo_by_name = {q.physical_name(k): q.fifo for k, q in queues.items()} | {k: q.fifo for k, q in queues.items()}
    for logical, queue in queues.items():
        dlq = queue.redrive.deadLetterQueue if queue.redrive else None
        if dlq in fifo_by_name and fifo_by_name[dlq] != queue.fifo:
            kind = "FIFO" if queue.fifo else "standard"
            raise rule_error(f"queue {logical!r}: the dead-letter queue of a {kind} queue must be a {kind} queue "
                             f"(as SQS), {dlq!r} is not")
    return queues


_ARNS = {
    "stream": re.compile(r"^arn:aws[a-z-]*:kinesis:[a-z0-9-]*:\d{12}:stream/(?P<name>[^/:]+)$"),
    "table": re.compile(r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]*:\d{12}:table/(?P<name>[^/:]+)(/stream/[^/]+)?$"),
    "queue": re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]*:\d{12}:(?P<name>[^/:]+)$"),
}


def arn_name(kind: str, ref: str) -> str | None:
    """The resource name in a Kinesis stream / DynamoDB table (or table stream) / SQS queue ARN, else None."""
    found = _ARNS[kind].match(ref)
    return found["name"] if found else None


def _mapping(value: object) -> dict:
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Declared:
    """The streams, queues, tables and functions of a stack, read from its raw or dumped data (tolerant).

    ``streams``/``tables``/``queues`` map logical names to physical ones; ``fifo``
    and ``visibility`` hold the declared queues' settings by logical name,
    ``table_views`` each declared table's stream view type (None: no stream).
    ``in_stack`` is False for the empty declaration used outside a stack.
    """

    streams: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    fifo: dict[str, bool] = field(default_factory=dict)
    visibility: dict[str, int] = field(default_factory=dict)
    table_views: dict[str, str | None] = field(default_factory=dict)
    functions: frozenset[str] = frozenset()
    in_stack: bool = False

    @classmethod
    def of(cls, data: object) -> Declared:
        data = _mapping(data)
        streams = {k: _mapping(v).get("name") or k for k, v in _mapping(data.get("streams")).items()}
        queues = {k: _mapping(v) for k, v in _mapping(data.get("queues")).items()}
        tables = {k: _mapping(v) for k, v in _mapping(data.get("tables")).items()}
        return cls(
            streams={k: v for k, v in streams.items() if isinstance(v, str)},
            queues={k: queue_physical(k, q.get("name") if isinstance(q.get("name"), str) else None,
                                      q.get("fifo") is True) for k, q in queues.items()},
            tables={k: t["name"] if isinstance(t.get("name"), str) else k for k, t in tables.items()},
            fifo={k: q.get("fifo") is True for k, q in queues.items()},
            visibility={k: q.get("visibilityTimeout", 30) for k, q in queues.items()},
            table_views={k: t.get("stream") for k, t in tables.items()},
            functions=frozenset(_mapping(data.get("functions"))),
            in_stack=True,
        )

    def _logical(self, kind: str) -> dict[str, str]:
        return {"stream": self.streams, "queue": self.queues, "table": self.tables}[kind]

    def declares(self, kind: str, ref: str) -> bool:
        return ref in self._logical(kind)

    def physical(self, kind: str, ref: str) -> str:
        """The physical name ``ref`` means (kind: stream, queue or table)."""
        known = self._logical(kind)
        if ref in known:
            return known[ref]
        return arn_name(kind, ref) or ref

    def logical_queue(self, ref: str) -> str | None:
        """The logical name of the declared queue ``ref`` means (by logical or physical name)."""
        if ref in self.queues:
            return ref
        name = self.physical("queue", ref)
        return next((k for k, v in self.queues.items() if v == name), None)

    def queue_is_fifo(self, ref: str) -> bool:
        logical = self.logical_queue(ref)
        return self.fifo[logical] if logical is not None else self.physical("queue", ref).endswith(FIFO_SUFFIX)


_CURRENT: ContextVar[Declared] = ContextVar("overcast_declared", default=Declared())


@contextmanager
def declared_in(data: object) -> Iterator[Declared]:
    """While a stack's data is validated, ``current()`` answers what it declares."""
    token = _CURRENT.set(Declared.of(data))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)


def current() -> Declared:
    return _CURRENT.get()
