"""A function's ``stream`` event: a stream or a table's change stream feeding it in batches (pure model).

    events:
      - stream: {stream: orders, batchSize: 100, startingPosition: TRIM_HORIZON}   # or table: todos
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from overcast.spec.eventchecks import check_target, source_ref
from overcast.spec.eventfields import FilterPattern, ResponseType
from overcast.spec.rules import in_range, rule_error

Position = Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]
TABLE_BATCH_MAX = 1000  # Lambda: DynamoDB Streams BatchSize is 1..1000


class StreamDestinations(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    onFailure: str | None = Field(None, description="queue:NAME or stream:NAME receiving records that failed; "
                                  "default: the function's dead-letter queue {stack}-{stage}-{function}-dlq")

    @field_validator("onFailure")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        return value if value is None else check_target(value, ("queue", "stream"), "onFailure")


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
