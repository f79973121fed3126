"""DynamoDB's expression language: condition, filter, key condition, projection and update expressions.

Pure functions on wire-JSON items. Three stages:

1. parse (``parse_condition``, ``parse_update``, ``parse_projection``) - text
   to an immutable tree, cached by expression text: parsing is the hot part
   and requests repeat the same few expressions;
2. bind - a request's ExpressionAttributeNames / ExpressionAttributeValues are
   checked (defined, valid, all used) and substituted;
3. evaluate - per item.

The one-call helpers (``evaluate_condition``, ``key_condition``, ``project``,
``apply_update``) do all three and check that every provided placeholder is
used. A request carrying several expressions (UpdateItem with an
UpdateExpression and a ConditionExpression sharing ``:v``) passes
``check_unused=False`` to each and calls :func:`check_unused` once with all
parsed expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from overcast.tables.expressions import parser as _parser
from overcast.tables.expressions import update_parser as _update_parser
from overcast.tables.expressions.bind import Binder, check_maps
from overcast.tables.expressions.bind import check_unused as _check_unused
from overcast.tables.expressions.evaluator import compile_condition as _compile
from overcast.tables.expressions.keys import KeyCondition, bind_key_condition
from overcast.tables.expressions.nodes import Parsed
from overcast.tables.expressions.paths import check_overlaps, get_path
from overcast.tables.expressions.projection import project as _project
from overcast.tables.expressions.reserved import RESERVED_WORDS, is_reserved
from overcast.tables.expressions.update import apply_actions

__all__ = [
    "CONDITION",
    "FILTER",
    "KEY_CONDITION",
    "KeyCondition",
    "Parsed",
    "RESERVED_WORDS",
    "apply_update",
    "check_unused",
    "compile_condition",
    "evaluate_condition",
    "get_path",
    "is_reserved",
    "key_condition",
    "parse_condition",
    "parse_key_condition",
    "parse_projection",
    "parse_update",
    "project",
    "projection_paths",
]

CONDITION = "ConditionExpression"
FILTER = "FilterExpression"
KEY_CONDITION = "KeyConditionExpression"
PROJECTION = "ProjectionExpression"
UPDATE = "UpdateExpression"
CACHE_SIZE = 4096


@lru_cache(maxsize=CACHE_SIZE)
def parse_condition(text: str, kind: str = CONDITION) -> Parsed:
    """Parse a condition (``kind`` CONDITION, FILTER or KEY_CONDITION names it in errors). Cached."""
    return _parser.parse_condition(text, kind)


def parse_key_condition(text: str) -> Parsed:
    return parse_condition(text, KEY_CONDITION)


@lru_cache(maxsize=CACHE_SIZE)
def parse_update(text: str) -> Parsed:
    """Parse an UpdateExpression. Cached."""
    return _update_parser.parse_update(text)


@lru_cache(maxsize=CACHE_SIZE)
def parse_projection(text: str) -> Parsed:
    """Parse a ProjectionExpression. Cached."""
    return _parser.parse_projection(text)


def check_unused(names: Mapping | None, values: Mapping | None, *parsed: Parsed) -> None:
    """ValidationException naming the placeholders that none of ``parsed`` uses."""
    _check_unused(names, values, parsed)


def compile_condition(
    expr: str,
    names: Mapping | None = None,
    values: Mapping | None = None,
    *,
    kind: str = CONDITION,
    check_unused: bool = True,
) -> Callable[[dict], bool]:
    """Parse and bind ``expr`` once; the result evaluates it against items (use it for Scan/Query filters)."""
    parsed = parse_condition(expr, kind)
    check_maps(names, values)
    predicate = _compile(parsed.root, Binder(kind, names, values))
    if check_unused:
        _check_unused(names, values, [parsed])
    return predicate


def evaluate_condition(
    expr: str,
    item: dict,
    names: Mapping | None = None,
    values: Mapping | None = None,
    *,
    kind: str = CONDITION,
    check_unused: bool = True,
) -> bool:
    """Whether ``item`` (``{}`` when there is none) satisfies condition ``expr``."""
    return compile_condition(expr, names, values, kind=kind, check_unused=check_unused)(item)


def key_condition(
    expr: str,
    names: Mapping | None,
    values: Mapping | None,
    hash_key: str,
    range_key: str | None = None,
    *,
    key_types: Mapping[str, str] | None = None,
    check_unused: bool = True,
) -> KeyCondition:
    """Check a KeyConditionExpression against the key schema and return its bound form."""
    parsed = parse_key_condition(expr)
    check_maps(names, values)
    result = bind_key_condition(parsed, Binder(KEY_CONDITION, names, values), hash_key, range_key, key_types)
    if check_unused:
        _check_unused(names, values, [parsed])
    return result


def projection_paths(expr: str, names: Mapping | None = None, *, check_unused: bool = True) -> list[tuple]:
    """The resolved paths of a ProjectionExpression (overlapping paths are a ValidationException)."""
    parsed = parse_projection(expr)
    check_maps(names, None)
    binder = Binder(PROJECTION, names, None)
    paths = [binder.path(path) for path in parsed.root]
    check_overlaps(paths, PROJECTION)
    if check_unused:
        _check_unused(names, None, [parsed])
    return paths


def project(item: dict, paths: str | Iterable[tuple], names: Mapping | None = None) -> dict:
    """``item`` reduced to ``paths``: resolved path tuples, or a ProjectionExpression text."""
    if isinstance(paths, str):
        paths = projection_paths(paths, names)
    return _project(item, paths)


def apply_update(
    item: dict | None,
    expr: str,
    names: Mapping | None = None,
    values: Mapping | None = None,
    *,
    key_names: Iterable[str] = (),
    check_unused: bool = True,
) -> tuple[dict, dict, dict]:
    """Apply UpdateExpression ``expr`` to ``item`` (not modified).

    Returns ``(new_item, updated_old, updated_new)``: the last two answer
    ReturnValues UPDATED_OLD and UPDATED_NEW. ``key_names`` are the table's
    key attributes, which an update may not touch.
    """
    parsed = parse_update(expr)
    check_maps(names, values)
    if check_unused:
        _check_unused(names, values, [parsed])
    return apply_actions(item or {}, parsed.root, Binder(UPDATE, names, values), key_names)
