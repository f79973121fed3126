"""Typed model of one function of a stack file (pure): its handler and runtime settings.

Strict like every stack-file model (see ``models``); field rules live in
``rules`` and event checks in ``eventchecks``. ``StackSpec`` holds these by
function name.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from overcast import limits
from overcast.spec.asyncspec import AsyncSpec
from overcast.spec.eventchecks import check_function_events
from overcast.spec.events import EventSpec
from overcast.spec.rules import (
    ENV_NAME,
    HANDLER,
    RESERVED_ENV,
    EnvName,
    EnvValue,
    RouteText,
    bounds,
    check_handler,
    handler_parts,
    in_range,
    module_files,
    rule_error,
)
from overcast.spec.websocket import WsRouteKey


class FunctionSpec(BaseModel):
    """One function: its handler and the settings the runtime enforces."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True)

    handler: Annotated[str, AfterValidator(check_handler)] = Field(
        description="'module.function' or 'dir/module.function', module path relative to the stack directory",
        json_schema_extra={"pattern": HANDLER.pattern},
    )
    memory: int = Field(128, description="memory in MB (limit lambda.memory)", json_schema_extra=bounds("lambda.memory"))
    timeout: int = Field(3, description="timeout in seconds (limit lambda.timeout)", json_schema_extra=bounds("lambda.timeout"))
    environment: dict[EnvName, EnvValue] = Field(
        default_factory=dict,
        description="environment variables; total size of names and values at most limit lambda.environment_size",
        json_schema_extra={"propertyNames": {"pattern": ENV_NAME.pattern, "not": {"enum": sorted(RESERVED_ENV)}}},
    )
    concurrency: int | None = Field(
        None, description="reserved concurrency (limit lambda.function_concurrency); 0 disables the function; "
        "unset means unreserved", json_schema_extra={"minimum": 0},
    )
    routes: list[RouteText] = Field(default_factory=list, description="HTTP route keys served by this function")
    websocket: list[WsRouteKey] = Field(default_factory=list, description="WebSocket API route keys served by "
                                        "this function: $connect, $disconnect, $default or custom keys")
    events: list[EventSpec] = Field(
        default_factory=list, description="event sources: '- stream: {stream: NAME | table: NAME, ...}', "
        "'- sqs: {queue: NAME, ...}', '- schedule: rate(5 minutes)' (see overcast.spec.events)")
    async_: AsyncSpec | None = Field(
        None, alias="async", description="asynchronous invocation: maximumRetryAttempts (0-2, default 2), "
        "maximumEventAge (60-21600 s, default 21600), destinations {onSuccess, onFailure}")

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: int) -> int:
        return in_range("memory", value, "lambda.memory")

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: int) -> int:
        return in_range("timeout", value, "lambda.timeout")

    @field_validator("concurrency")
    @classmethod
    def _concurrency(cls, value: int | None) -> int | None:
        if value is not None:
            in_range("concurrency", value, "lambda.function_concurrency", 0, "; 0 disables the function")
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[EventSpec], info) -> list[EventSpec]:
        return check_function_events(value, info.data.get("timeout"))

    @field_validator("environment")
    @classmethod
    def _environment_size(cls, value: dict[str, str]) -> dict[str, str]:
        size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
        lim = limits.LIMITS["lambda.environment_size"]
        if size > lim.value:
            raise rule_error(
                f"environment is {size} bytes (names + values, UTF-8); at most {lim.value} bytes are allowed "
                f"(limit {lim.name}, {lim.kind})"
            )
        return value

    @property
    def module(self) -> str:
        """Module path of the handler: ``"src/app"`` for ``"src/app.handler"``, ``"a.b"`` for ``"a.b.f"``."""
        return handler_parts(self.handler)[0]

    @property
    def attribute(self) -> str:
        """Name of the handler function inside its module."""
        return handler_parts(self.handler)[1]

    def module_files(self) -> tuple[PurePosixPath, PurePosixPath]:
        """Files, relative to the stack root, one of which must hold the handler's module."""
        return module_files(self.module)
