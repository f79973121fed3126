"""A function's ``sqs`` event: a queue feeding it in batches (pure model).

    events:
      - sqs: {queue: jobs, batchSize: 10}
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from overcast.spec.declared import current
from overcast.spec.eventchecks import source_ref
from overcast.spec.eventfields import FilterPattern, ResponseType
from overcast.spec.rules import in_range, rule_error

SQS_PLAIN_BATCH_MAX = 10  # Lambda: SQS BatchSize above 10 needs a batching window


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
