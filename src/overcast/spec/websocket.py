"""A stack's WebSocket API (API Gateway WebSocket semantics): the models and their rules (pure).

    websocket:
      path: /ws                                        # where clients connect (default /ws)
      routeSelectionExpression: $request.body.action   # the default
    functions:
      connect: {handler: app.connect, websocket: [$connect]}
      chat:    {handler: app.chat,    websocket: [sendMessage]}

A function's ``websocket:`` lists the route keys it serves: ``$connect``,
``$disconnect``, ``$default`` or a custom key (the value the selection
expression picks from a message's JSON body). A route key maps to one function.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from overcast.spec.rules import rule_error

CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
PREDEFINED = (CONNECT, DISCONNECT, DEFAULT)
DEFAULT_PATH = "/ws"
DEFAULT_SELECTION = "$request.body.action"

# AWS: a custom route key is at most 128 characters; keys starting with '$' are reserved.
ROUTE_KEY_PATTERN = r"^(\$connect|\$disconnect|\$default|[^$\s][^\s]{0,127})$"
SELECTION_PATTERN = r"^\$request\.body\.[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$"
PATH_PATTERN = r"^(/[A-Za-z0-9._~-]+)+$"
_ROUTE_KEY = re.compile(ROUTE_KEY_PATTERN)
_SELECTION = re.compile(SELECTION_PATTERN)
_PATH = re.compile(PATH_PATTERN)


def _route_key(text: str) -> str:
    if not _ROUTE_KEY.match(text):
        raise rule_error(f"WebSocket route key {text!r} must be $connect, $disconnect, $default or a custom key "
                         "(1-128 characters, no spaces, not starting with '$')")
    return text


WsRouteKey = Annotated[
    str,
    AfterValidator(_route_key),
    WithJsonSchema({"type": "string", "pattern": ROUTE_KEY_PATTERN,
                    "description": "$connect, $disconnect, $default or a custom route key"}),
]


class WebSocketSpec(BaseModel):
    """The stack's WebSocket API: where clients connect and how a message picks its route."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    path: str = Field(DEFAULT_PATH, description="path clients connect to (default /ws); also under /STAGE",
                      json_schema_extra={"pattern": PATH_PATTERN})
    routeSelectionExpression: str = Field(
        DEFAULT_SELECTION, description="where a message's route key is read: $request.body.FIELD[.FIELD...] "
        "(default $request.body.action)", json_schema_extra={"pattern": SELECTION_PATTERN})

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not _PATH.match(value):
            raise rule_error(f"websocket path {value!r} must look like '/ws' or '/live/socket' "
                             "(letters, digits, '.', '_', '~', '-' between slashes; no trailing slash)")
        return value

    @field_validator("routeSelectionExpression")
    @classmethod
    def _selection(cls, value: str) -> str:
        if not _SELECTION.match(value):
            raise rule_error(f"routeSelectionExpression {value!r} must be $request.body.FIELD (nested fields "
                             "with '.'), e.g. $request.body.action")
        return value


def selection_path(expression: str) -> tuple[str, ...]:
    """``$request.body.a.b`` -> ``("a", "b")``."""
    return tuple(expression.split(".")[2:])


def routes_of(functions: Mapping[str, Any]) -> dict[str, str]:
    """Route key -> function name, from functions given as models or as dumped dicts (first one wins)."""
    out: dict[str, str] = {}
    for name, fn in functions.items():
        keys = fn.get("websocket") if isinstance(fn, Mapping) else getattr(fn, "websocket", None)
        for key in keys or ():
            out.setdefault(key, name)
    return out


def check_websocket(value: WebSocketSpec | None, info: ValidationInfo) -> WebSocketSpec | None:
    """The stack-level rule: a WebSocket route key maps to one function."""
    functions = info.data.get("functions") or {}
    seen: dict[str, str] = {}
    problems = []
    for name, fn in functions.items():
        for key in getattr(fn, "websocket", None) or ():
            if key in seen:
                other = seen[key]
                where = f"function '{other}'" if other != name else "this function's websocket list"
                problems.append(f"WebSocket route {key!r} of function '{name}' is already used by {where}; "
                                "a route key maps to one function")
            else:
                seen[key] = name
    if problems:
        raise rule_error("; ".join(problems))
    return value


WebSocketField = Annotated[WebSocketSpec | None, AfterValidator(check_websocket)]
