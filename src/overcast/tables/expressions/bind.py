"""Binding placeholders to a request's ExpressionAttributeNames and ExpressionAttributeValues.

DynamoDB's rules: the maps, when given, must not be empty; keys look like
``#name`` / ``:value``; values are valid attribute values; every placeholder an
expression uses must be defined ("... is not defined", raised per expression)
and every one defined must be used by one of the request's expressions
("... unused in expressions", checked across all of them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from overcast.tables.errors import ValidationException
from overcast.tables.expressions.nodes import NameRef, Parsed, Path, Value
from overcast.tables.expressions.tokens import invalid
from overcast.tables.values import validate

_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+\Z")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+\Z")


def check_maps(names: Mapping | None, values: Mapping | None) -> None:
    """Validate the placeholder maps themselves (once per request)."""
    if names is not None:
        if not names:
            raise ValidationException("ExpressionAttributeNames must not be empty")
        for key, name in names.items():
            if not isinstance(key, str) or not _NAME_KEY.match(key):
                raise ValidationException(f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"')
            if not isinstance(name, str) or not name:
                raise ValidationException(
                    f"ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
                )
    if values is not None:
        if not values:
            raise ValidationException("ExpressionAttributeValues must not be empty")
        for key, av in values.items():
            if not isinstance(key, str) or not _VALUE_KEY.match(key):
                raise ValidationException(f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"')
            try:
                validate(av)
            except ValidationException as exc:
                raise ValidationException(
                    f"ExpressionAttributeValues contains invalid value: {exc.message} for key {key}"
                ) from None


def check_unused(names: Mapping | None, values: Mapping | None, parsed: Iterable[Parsed]) -> None:
    """ValidationException when a provided placeholder is used by none of ``parsed``."""
    parsed = list(parsed)
    used_names = set().union(*(p.names for p in parsed))
    used_values = set().union(*(p.values for p in parsed))
    unused = sorted(set(names or ()) - used_names)
    if unused:
        raise ValidationException(
            f"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{', '.join(unused)}}}"
        )
    unused = sorted(set(values or ()) - used_values)
    if unused:
        raise ValidationException(
            f"Value provided in ExpressionAttributeValues unused in expressions: keys: {{{', '.join(unused)}}}"
        )


class Binder:
    """Resolves the placeholders of one expression of ``kind`` (which names it in errors)."""

    def __init__(self, kind: str, names: Mapping | None, values: Mapping | None) -> None:
        self.kind = kind
        self.names = names or {}
        self.values = values or {}

    def path(self, path: Path) -> tuple:
        out = []
        for part in path.parts:
            if isinstance(part, NameRef):
                name = self.names.get(part.ref)
                if name is None:
                    raise invalid(
                        self.kind,
                        "An expression attribute name used in the document path is not defined; "
                        f"attribute name: {part.ref}",
                    )
                out.append(name)
            else:
                out.append(part)
        return tuple(out)

    def value(self, value: Value) -> dict:
        av = self.values.get(value.ref)
        if av is None:
            raise invalid(
                self.kind,
                f"An expression attribute value used in expression is not defined; attribute value: {value.ref}",
            )
        return av

    def invalid(self, detail: str) -> ValidationException:
        return invalid(self.kind, detail)
