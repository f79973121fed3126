"""Typed models of a stack file (pure): what an ``overcast.yml`` may say.

Models are strict (YAML ``"3"`` is not a timeout) and reject unknown keys;
field rules live in ``rules``. ``StackSpec`` is defined here; ``FunctionSpec``
lives in ``functions`` and is importable from here too. Both, built in code,
obey the same rules as ones loaded from a file. Duplicate route keys are found
here as well, on validated or raw data (the loader reports them with other
problems).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from overcast.spec.declared import declared_in
from overcast.spec.functions import FunctionSpec
from overcast.spec.queues import QueueKey, QueueSpec, check_queue_keys
from overcast.spec.routes import RouteKey, RouteKeyError, parse_route_key
from overcast.spec.rules import (
    FUNCTION_NAME,
    OUTPUT_NAME,
    STACK_NAME,
    FunctionName,
    OutputName,
    OutputValue,
    StackName,
    rule_error,
)
from overcast.spec.rules_spec import RuleName, RuleSpec
from overcast.spec.streams import StreamKey, StreamSpec
from overcast.spec.tables import TableSpec
from overcast.spec.thinggroups import GROUP_NAME, GroupName, ThingGroupSpec, check_thing_groups, check_unique_things
from overcast.spec.things import ThingName, ThingSpec, check_things
from overcast.spec.websocket import WebSocketField

__all__ = ["DuplicateRoute", "FunctionSpec", "StackSpec", "duplicate_message", "find_duplicate_routes"]


@dataclass(frozen=True, slots=True)
class DuplicateRoute:
    key: str  # canonical route key
    first: tuple[str, int]  # (function, index in its routes)
    again: tuple[str, int]


def find_duplicate_routes(routes_by_function: Mapping[str, object]) -> list[DuplicateRoute]:
    """Route keys declared more than once in a stack; items that do not parse are skipped.

    Tolerates raw (unvalidated) data so the loader can report duplicates
    alongside other problems.
    """
    seen: dict[str, tuple[str, int]] = {}
    found: list[DuplicateRoute] = []
    for name, routes in routes_by_function.items():
        if not isinstance(routes, Sequence) or isinstance(routes, str):
            continue
        for index, text in enumerate(routes):
            try:
                key = parse_route_key(text).key
            except RouteKeyError:
                continue
            if key in seen:
                found.append(DuplicateRoute(key, seen[key], (name, index)))
            else:
                seen[key] = (name, index)
    return found


def duplicate_message(dup: DuplicateRoute) -> str:
    """Names both functions (or both positions of one function) using the key."""
    (fn1, i1), (fn2, _) = dup.first, dup.again
    where = f"function '{fn1}' (routes[{i1}])" if fn1 != fn2 else f"this function's routes[{i1}]"
    return f"route {dup.key!r} of function '{fn2}' is already used by {where}; a route key maps to one function"


class StackSpec(BaseModel):
    """A whole stack file: its name, its functions, its outputs and free-form ``custom`` values.

    After loading, string values hold no references any more except stack
    imports (``${stack:STACK.OUTPUT}``) in environment and output values,
    which ``substitute_imports`` fills in.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    stack: StackName = Field(description="stack name: a letter, then letters, digits, '-' or '_' (at most 64)",
                             json_schema_extra={"pattern": STACK_NAME.pattern})
    description: str | None = Field(None, description="free text")
    functions: dict[FunctionName, FunctionSpec] = Field(
        description="functions by name (letters, digits, '-', '_'; at most 64 characters); at least one",
        json_schema_extra={"minProperties": 1, "propertyNames": {"pattern": FUNCTION_NAME.pattern}},
    )
    outputs: dict[OutputName, OutputValue] = Field(
        default_factory=dict,
        description="values this stack publishes, by name (a letter, then letters, digits, '-' or '_'; at most "
        "64); other stacks read them with ${stack:THIS_STACK.NAME}",
        json_schema_extra={"propertyNames": {"pattern": OUTPUT_NAME.pattern}},
    )
    tables: dict[str, TableSpec] = Field(
        default_factory=dict, description="tables the stack owns (DynamoDB data model), by logical name")
    streams: dict[StreamKey, StreamSpec] = Field(
        default_factory=dict, description="Kinesis-compatible streams the stack owns, by logical name")
    queues: dict[QueueKey, QueueSpec] = Field(
        default_factory=dict, description="SQS-compatible queues the stack owns, by logical name")
    rules: dict[RuleName, RuleSpec] = Field(
        default_factory=dict, description="AWS IoT topic rules by name: sql, actions, errorAction, enabled "
        "(see overcast.spec.rules_spec)")
    things: Annotated[dict[ThingName, ThingSpec], AfterValidator(check_things)] = Field(
        default_factory=dict, description="MQTT devices by thing name (= MQTT username): publish / subscribe "
        "topic-filter allow-lists (${thing} is the thing's name); passwords are issued at deploy "
        "(`overcast things credentials NAME`)")
    thingGroups: Annotated[dict[GroupName, ThingGroupSpec], AfterValidator(check_thing_groups)] = Field(
        default_factory=dict, description="MQTT devices sharing allow-lists, by group name: things (member "
        "names, each an ordinary thing with its own password), publish, subscribe; ${thing} in a filter is each "
        "member's name (see overcast.spec.thinggroups)",
        json_schema_extra={"propertyNames": {"pattern": GROUP_NAME.pattern}})
    websocket: WebSocketField = Field(None, validate_default=True, description="the stack's WebSocket API: "
                                      "path (default /ws), routeSelectionExpression (default $request.body.action)")
    custom: dict[str, Any] = Field(
        default_factory=dict,
        description="free-form values for references (${self:custom.KEY}); overcast does not read them otherwise",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _with_declared(cls, data: Any, handler) -> StackSpec:
        # Function events are checked against the streams, queues and tables the stack declares.
        with declared_in(data):
            return handler(data)

    @field_validator("queues")
    @classmethod
    def _queue_names(cls, value: dict[str, QueueSpec]) -> dict[str, QueueSpec]:
        return check_queue_keys(value)

    @field_validator("functions")
    @classmethod
    def _some_functions(cls, value: dict[str, FunctionSpec]) -> dict[str, FunctionSpec]:
        if not value:
            raise rule_error("functions must declare at least one function, e.g. 'hello: {handler: app.handler}'")
        return value

    @model_validator(mode="after")
    def _unique_routes(self) -> StackSpec:
        duplicates = find_duplicate_routes({n: f.routes for n, f in self.functions.items()})
        if duplicates:
            raise PydanticCustomError(
                "duplicate_route", "{message}", {"message": "; ".join(duplicate_message(d) for d in duplicates)}
            )
        return self

    @model_validator(mode="after")
    def _unique_things(self) -> StackSpec:
        check_unique_things(self.things, self.thingGroups)
        return self

    def route_keys(self) -> list[tuple[RouteKey, str]]:
        """Every route of the stack as ``(RouteKey, function name)``, in file order."""
        return [(parse_route_key(r), name) for name, fn in self.functions.items() for r in fn.routes]

