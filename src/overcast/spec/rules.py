"""Field rules of a stack file (pure): patterns, checks and constrained types.

Every check raises ``rule_error(message)`` (error type ``overcast_rule``)
whose message is final and user-facing: what is allowed and what was given.
Numeric ranges are read from ``overcast.limits`` at validation time, so a
message names the limit it enforces.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from overcast import limits
from overcast.spec.routes import METHODS, RouteKeyError, parse_route_key

STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
OUTPUT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# Plain syntax shared by Python and JSON Schema (ECMA-262) regexes.
HANDLER = re.compile(
    r"^(?:[A-Za-z0-9_-]+/)*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.[A-Za-z_][A-Za-z0-9_]*$"
)
# Set by the Lambda runtime itself; AWS rejects them in a function's configuration.
RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
_METHOD_PATTERN = "|".join("".join(f"[{c}{c.lower()}]" for c in m) for m in METHODS)
ROUTE_PATTERN = rf"^\s*(\$default|({_METHOD_PATTERN})\s+/\S*)\s*$"
ROUTE_DESCRIPTION = (
    "A route key: '$default' or 'METHOD /path' with METHOD one of " + ", ".join(METHODS)
    + "; path segments are literals, '{name}' parameters or, last only, one greedy '{name+}'."
)


def rule_error(message: str) -> PydanticCustomError:
    """A validation error whose message is shown to the user as is."""
    return PydanticCustomError("overcast_rule", "{message}", {"message": message})


def in_range(field: str, value: int, limit_name: str, minimum: int | None = None, note: str = "") -> int:
    lim = limits.LIMITS[limit_name]
    low = lim.minimum if minimum is None else minimum
    if not low <= value <= lim.value:
        raise rule_error(
            f"{field} must be between {low} and {lim.value} {lim.unit} "
            f"(limit {lim.name}, {lim.kind}{note}), got {value}"
        )
    return value


def bounds(limit_name: str) -> dict:
    lim = limits.LIMITS[limit_name]
    return {"minimum": lim.minimum, "maximum": lim.value}


def _check_stack_name(value: str) -> str:
    if not STACK_NAME.match(value):
        raise rule_error(
            "stack name must start with a letter and hold only letters, digits, '-' and '_' "
            f"(at most 64 characters), got {value!r}"
        )
    return value


def _check_function_name(value: str) -> str:
    if not FUNCTION_NAME.match(value):
        raise rule_error(
            f"function name {value!r} may hold only letters, digits, '-' and '_' (1 to 64 characters)"
        )
    return value


def check_handler(value: str) -> str:
    if not HANDLER.match(value):
        raise rule_error(
            "handler must be 'module.function' or 'dir/module.function' (module path relative to the "
            f"stack directory, Python identifiers separated by '.'), e.g. 'app.handler', got {value!r}"
        )
    return value


def _check_env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise rule_error(
            f"environment variable name {value!r} must start with a letter and hold only letters, "
            "digits and '_'"
        )
    if value in RESERVED_ENV:
        raise rule_error(f"environment variable {value} is reserved: the Lambda runtime sets it")
    return value


def _text_value(what: str):
    """A before-validator taking text, and numbers as the text they were written as."""

    def check(value: object) -> object:
        if isinstance(value, bool) or value is None:
            shown = "null" if value is None else str(value).lower()
            raise rule_error(
                f"{what} values must be strings, got {'null' if value is None else 'boolean'} {shown}; "
                f"quote it (e.g. \"{shown}\") if you mean the text"
            )
        if isinstance(value, (int, float)):
            return getattr(value, "yaml_text", None) or str(value)
        if not isinstance(value, str):
            shown = {list: "a list", dict: "a mapping"}.get(type(value), str(value))
            raise rule_error(f"{what} values must be strings (quote the value), got {shown}")
        return value

    return check


def _check_output_name(value: str) -> str:
    if not OUTPUT_NAME.match(value):
        raise rule_error(
            f"output name {value!r} must start with a letter and hold only letters, digits, '-' and '_' "
            "(at most 64 characters)"
        )
    return value


def _canonical_route(value: str) -> str:
    try:
        return parse_route_key(value).key
    except RouteKeyError as exc:
        raise rule_error(str(exc)) from None


StackName = Annotated[str, AfterValidator(_check_stack_name)]
FunctionName = Annotated[str, AfterValidator(_check_function_name)]
EnvName = Annotated[str, AfterValidator(_check_env_name)]
EnvValue = Annotated[str, BeforeValidator(_text_value("environment"), json_schema_input_type=str | int | float)]
OutputName = Annotated[str, AfterValidator(_check_output_name)]
OutputValue = Annotated[str, BeforeValidator(_text_value("output"), json_schema_input_type=str | int | float)]
RouteText = Annotated[
    str,
    AfterValidator(_canonical_route),
    WithJsonSchema({"type": "string", "pattern": ROUTE_PATTERN, "description": ROUTE_DESCRIPTION}),
]


def handler_parts(handler: str) -> tuple[str, str] | None:
    """``"src/pkg.mod.handler"`` -> ``("src/pkg.mod", "handler")``; None if malformed."""
    if not HANDLER.match(handler):
        return None
    module, _, attribute = handler.rpartition(".")
    return module, attribute


def module_files(module: str) -> tuple[PurePosixPath, PurePosixPath]:
    """Files, relative to the stack root, that may hold ``module`` (``a/b.py``, ``a/b/__init__.py``)."""
    base = PurePosixPath(module.replace(".", "/"))
    return base.with_name(base.name + ".py"), base / "__init__.py"
