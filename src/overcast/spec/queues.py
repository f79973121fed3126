"""The ``queues:`` section of a stack file (pure models).

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

Queues are stateful: removing one from the stack keeps it (and its messages)
unless its ``deletionPolicy`` is ``delete``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from overcast import limits
from overcast.spec.rules import in_range, rule_error

# SQS: up to 80 characters (the .fifo suffix included) of letters, digits, '-' and '_'.
QUEUE_NAME = re.compile(r"^(?=.{1,80}$)[a-zA-Z0-9_-]+(\.fifo)?$")
FIFO_SUFFIX = ".fifo"
DeletionPolicy = Literal["retain", "delete"]


def check_queue_name(value: str, what: str = "queue name") -> str:
    if not QUEUE_NAME.match(value):
        raise rule_error(
            f"{what} must be 1-80 characters: letters, digits, '-' and '_', ending in '.fifo' for a FIFO queue, "
            f"got {value!r}"
        )
    return value


QueueKey = Annotated[str, AfterValidator(lambda v: check_queue_name(v, "logical queue name"))]


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
