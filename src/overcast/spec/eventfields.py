"""Field types shared by the event sources of a function (pure): response types and Lambda filter patterns.

A filter pattern (Lambda event filtering) is an object, or a JSON string
holding one as in the Lambda API; objects nest, and every leaf is a non-empty
list of values to match or of one-operator matcher objects::

    {"data": {"kind": ["order"], "total": [{"numeric": [">", 100]}]}}
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator

from overcast.spec.rules import rule_error

ResponseType = Literal["ReportBatchItemFailures"]
# Lambda event filtering: comparison operators a pattern may use inside a value list.
FILTER_OPERATORS = frozenset({"prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case",
                              "wildcard", "cidr"})


def load_filter_pattern(value: object) -> object:
    """A pattern written as a JSON string (as in the Lambda API) becomes the object it holds."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise rule_error(f"filter pattern is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise rule_error("a filter pattern must be a JSON object, e.g. '{\"data\": {\"kind\": [\"order\"]}}'")
    return value


def check_filter_pattern(pattern: object, where: str) -> None:
    """Lambda's rules: objects nest; every leaf is a non-empty list of values or one-operator objects."""
    if not isinstance(pattern, dict) or not pattern:
        raise rule_error(f"{where} must be a non-empty object")
    for key, value in pattern.items():
        at = f"{where}: {key}" if " " in where else f"{where}.{key}"
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise rule_error(f"{at} must be a list of at least two patterns")
            for index, alternative in enumerate(value):
                check_filter_pattern(alternative, f"{at}[{index}]")
        elif isinstance(value, dict):
            check_filter_pattern(value, at)
        elif isinstance(value, list) and value:
            for item in value:
                if isinstance(item, dict) and (len(item) != 1 or next(iter(item)) not in FILTER_OPERATORS):
                    raise rule_error(f"{at}: a matcher object holds one of {', '.join(sorted(FILTER_OPERATORS))}, "
                                     f"got {json.dumps(item)}")
        else:
            raise rule_error(f"{at} must be an object or a non-empty list of values to match, e.g. [\"order\"]")


def _pattern(value: dict) -> dict:
    check_filter_pattern(value, "a filter pattern")
    return value


FilterPattern = Annotated[dict[str, Any], BeforeValidator(load_filter_pattern, json_schema_input_type=dict | str),
                          AfterValidator(_pattern)]
