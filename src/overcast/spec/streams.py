"""The ``streams:`` section of a stack file (pure models).

    streams:
      orders:                         # logical name
        name: orders-${stage}         # physical stream name (default: the logical name)
        shards: 2                     # default 1; 1..limit kinesis.shards_per_stream
        retentionHours: 24            # default 24; 24..limit kinesis.retention_hours
        deletionPolicy: retain        # retain (default) | delete

Streams are stateful: removing one from the stack keeps it (and its records)
unless its ``deletionPolicy`` is ``delete``.

The ``queues:`` section is modelled in ``overcast.spec.queues`` and reference
resolution (``Declared``) in ``overcast.spec.declared``; their names are
re-exported here for code that imports them from this module.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from overcast.spec.declared import Declared, arn_name, current, declared_in
from overcast.spec.queues import (
    FIFO_SUFFIX,
    QUEUE_NAME,
    DeletionPolicy,
    QueueKey,
    QueueSpec,
    RedriveSpec,
    check_queue_keys,
    check_queue_name,
    queue_physical,
)
from overcast.spec.rules import in_range, rule_error

__all__ = [
    "FIFO_SUFFIX", "QUEUE_NAME", "STREAM_NAME", "Declared", "DeletionPolicy", "QueueKey", "QueueSpec", "RedriveSpec",
    "StreamKey", "StreamSpec", "arn_name", "check_queue_keys", "check_queue_name", "check_stream_name", "current",
    "declared_in", "queue_physical",
]

STREAM_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")


def check_stream_name(value: str, what: str = "stream name") -> str:
    if not STREAM_NAME.match(value):
        raise rule_error(f"{what} must be 1-128 letters, digits, '_', '-' or '.', got {value!r}")
    return value


StreamKey = Annotated[str, AfterValidator(lambda v: check_stream_name(v, "logical stream name"))]


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
