"""Lambda event filtering: ``filterCriteria`` patterns, compiled once, matched per record (pure).

Lambda uses EventBridge's pattern syntax. A pattern is a JSON object whose leaves are lists of
matchers; a record matches when every field of the pattern matches (a leaf: any of its matchers
matches the value, or any element when the value is a list), and a mapping's filters are OR-ed.
Matchers: exact values (string, number, null, boolean), ``prefix``, ``suffix``,
``equals-ignore-case``, ``anything-but`` (a value, a list, or ``{"prefix"|"suffix"|
"equals-ignore-case": ...}``), ``numeric`` (``["<", 10, ">=", 0]``), ``exists``, and ``$or``
(a list of sub-patterns, any of which must match) at any level.

Patterns are validated by ``overcast.sources.filter_validation``; the record views a pattern sees
(``kinesis_view``, ``sqs_view``, ``dynamodb_view``: Kinesis ``data`` and SQS ``body`` JSON-decoded
when they hold a JSON object, as AWS does) live in ``overcast.sources.filter_views`` and are
re-exported here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from overcast.sources.filter_validation import check_pattern, is_number
from overcast.sources.filter_views import OPAQUE, dynamodb_view, kinesis_view, sqs_view

__all__ = ["OPAQUE", "Filter", "compile_patterns", "dynamodb_view", "kinesis_view", "sqs_view"]

_ABSENT = object()


def _same_number(a, b) -> bool:
    # AWS compares numbers by their text: 300, 300.0 and 3.0e2 are different values
    return is_number(a) and is_number(b) and isinstance(a, float) == isinstance(b, float) and a == b


def _numeric(spec: list, v) -> bool:
    if not is_number(v):
        return False
    for i in range(0, len(spec), 2):
        op, n = spec[i], spec[i + 1]
        if not {"=": v == n, "<": v < n, "<=": v <= n, ">": v > n, ">=": v >= n}[op]:
            return False
    return True


def _text_op(op: str, arg, v: str) -> bool:
    if isinstance(arg, dict):  # {"prefix": {"equals-ignore-case": "..."}}
        arg, v = arg["equals-ignore-case"].casefold(), v.casefold()
    if op == "prefix":
        return v.startswith(arg)
    if op == "suffix":
        return v.endswith(arg)
    return v.casefold() == arg.casefold()


def _anything_but(arg, v) -> bool:
    if isinstance(arg, dict):
        (op, inner), = arg.items()
        if not isinstance(v, str):
            return True
        return not any(_text_op(op, s, v) for s in (inner if isinstance(inner, list) else [inner]))
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_literal(x, v) for x in excluded)


def _literal(m, v) -> bool:
    if m is None or isinstance(m, bool):
        return v is m
    if isinstance(m, str):
        return isinstance(v, str) and v == m
    return _same_number(m, v)


def _one(m, v) -> bool:
    """One matcher against one scalar value (``v`` is never a list, never absent)."""
    if not isinstance(m, dict):
        return _literal(m, v)
    (op, arg), = m.items()
    if op == "numeric":
        return _numeric(arg, v)
    if op == "anything-but":
        return _anything_but(arg, v)
    if op == "exists":
        return arg
    return isinstance(v, str) and _text_op(op, arg, v)


def _leaf(matchers: list, value) -> bool:
    if value is OPAQUE:
        return False
    if value is _ABSENT:
        return any(isinstance(m, dict) and m.get("exists") is False for m in matchers)
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not value:
        return any(isinstance(m, dict) and m.get("exists") is True for m in matchers)
    return any(_one(m, v) for m in matchers for v in values if not isinstance(v, dict | list))


def _match(pattern: dict, view) -> bool:
    if not isinstance(view, dict):
        return False  # a nested pattern never matches a scalar or a payload that is not JSON
    for key, rule in pattern.items():
        if key == "$or":
            if not any(_match(sub, view) for sub in rule):
                return False
            continue
        value = view.get(key, _ABSENT)
        if isinstance(rule, dict):
            if isinstance(value, list):
                if not any(isinstance(v, dict) and _match(rule, v) for v in value):
                    return False
            elif not _match(rule, {} if value is _ABSENT else value):
                return False
        elif not _leaf(rule, value):
            return False
    return True


@dataclass(frozen=True)
class Filter:
    """Compiled filter criteria; a record passes when any pattern matches (no patterns: all pass)."""

    patterns: tuple[dict, ...] = ()

    def matches(self, record_view: dict) -> bool:
        return not self.patterns or any(_match(p, record_view) for p in self.patterns)


def compile_patterns(patterns: list[str | dict]) -> Filter:
    """Validate and compile ``filterCriteria`` patterns (JSON text or already-parsed objects).

    Raises ``ValueError`` naming the pattern (1-based) and the field path of the first problem."""
    compiled = []
    for n, raw in enumerate(patterns or [], start=1):
        pattern = raw
        if isinstance(raw, str):
            try:
                pattern = json.loads(raw)
            except ValueError as exc:
                raise ValueError(f"filter pattern {n} is not valid JSON: {exc}") from None
        try:
            check_pattern("", pattern)
        except ValueError as exc:
            raise ValueError(f"filter pattern {n}: {exc}") from None
        compiled.append(pattern)
    return Filter(tuple(compiled))
