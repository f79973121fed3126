"""Pydantic validation errors -> ``SpecProblem``s that say what is allowed.

Our own rules already carry final messages (``overcast_rule``); pydantic's
built-in errors (missing key, unknown key, wrong type) are reworded here,
using the models themselves to name the allowed keys and describe fields.
"""

from __future__ import annotations

import difflib
import types
import typing
from datetime import date

from pydantic import BaseModel, ValidationError

from overcast.spec.models import StackSpec
from overcast.spec.problems import SpecProblem, format_path
from overcast.spec.yamlsource import Located, source_text

_EXPECTED = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "list_type": "a list (one '- item' line each)",
}
_MODEL_TYPES = {"model_type", "model_attributes_type", "dataclass_type"}
# Reported by the loader from the raw data, with each duplicate's own line.
_SKIPPED = {"duplicate_route", "duplicate_thing"}


def describe(value: object) -> str:
    """A value as the user wrote it in YAML: ``string 'x'``, ``integer 0x10``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {source_text(value) or value}"
    if isinstance(value, float):
        return f"number {source_text(value) or value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date):
        return f"date {value.isoformat()} (quote it to make it text)"
    return type(value).__name__


def _unwrap(annotation: object) -> object:
    """Strip Annotated[...] and Optional[...] down to the type that holds values."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def type_at(loc: tuple) -> object:
    """The declared type at a data path of a stack file (a model class, dict[...], int...)."""
    current: object = StackSpec
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
        elif origin is dict:
            current = typing.get_args(current)[1]
        elif origin is list:
            current = typing.get_args(current)[0]
        else:
            return None
    return _unwrap(current)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    found = type_at(loc)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _name(loc: tuple) -> str:
    """How a message names the value: ``timeout``, ``routes[1]``."""
    for end in range(len(loc), 0, -1):
        if isinstance(loc[end - 1], str):
            return format_path(loc[end - 1 :])
    return "value"


def _unknown_key(loc: tuple) -> str:
    key = str(loc[-1])
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    message = f"unknown key '{key}'"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean '{close[0]}'?"
    if allowed:
        message += f" allowed keys: {', '.join(allowed)}"
    return message


def _missing(loc: tuple) -> str:
    model = _model_at(loc[:-1])
    field = model.model_fields.get(loc[-1]) if model else None
    hint = f" ({field.description})" if field is not None and field.description else ""
    return f"missing required key '{loc[-1]}'{hint}"


def _message(error: dict, loc: tuple) -> str:
    kind = error["type"]
    if kind == "overcast_rule":
        return error["msg"]
    if kind == "missing":
        return _missing(loc)
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    got = describe(error.get("input"))
    if kind in _MODEL_TYPES:
        model = _model_at(loc)
        keys = f" with keys {', '.join(model.model_fields)}" if model else ""
        return f"{_name(loc)} must be a mapping{keys}, got {got}"
    if kind in _EXPECTED:
        return f"{_name(loc)} must be {_EXPECTED[kind]}, got {got}"
    return f"{_name(loc)}: {error['msg']}, got {got}"


def explain(error: ValidationError, located: Located, file: str) -> list[SpecProblem]:
    """One problem per pydantic error, positioned with ``located``'s marks.

    A missing key is placed at its parent mapping; a bad mapping key at the key.
    """
    problems: list[SpecProblem] = []
    for item in error.errors():
        if item["type"] in _SKIPPED:
            continue
        loc = tuple(item["loc"])
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        if located.already_reported(loc):
            continue
        at_path = loc[:-1] if item["type"] == "missing" else loc
        line, column = located.position(at_path)
        problems.append(SpecProblem(file, line, column, format_path(loc), _message(item, loc)))
    return problems
