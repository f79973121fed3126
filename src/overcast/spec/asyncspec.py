"""A function's ``async:`` entry: asynchronous invocation settings (pure model).

    async: {maximumRetryAttempts: 2, maximumEventAge: 21600, destinations: {onFailure: queue:failed}}

``overcast.spec.mappings.async_config_of`` resolves the destinations of a deployed stack.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from overcast.spec.eventchecks import check_target
from overcast.spec.rules import in_range


class AsyncDestinations(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    onSuccess: str | None = Field(None, description="queue:NAME, stream:NAME or function:NAME")
    onFailure: str | None = Field(None, description="queue:NAME, stream:NAME or function:NAME")

    @field_validator("onSuccess", "onFailure")
    @classmethod
    def _target(cls, value: str | None, info) -> str | None:
        return value if value is None else check_target(value, ("queue", "stream", "function"), info.field_name)


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
