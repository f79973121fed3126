"""Lambda event filtering: ``filterCriteria`` patterns, compiled once, matched per record (pure).

Lambda uses EventBridge's pattern syntax. A pattern is a JSON object whose leaves are lists of
matchers; a record matches when every field of the pattern matches (a leaf: any of its matchers
matches the value, or any element when the value is a list), and a mapping's filters are OR-ed.
Matchers: exact values (string, number, null, boolean), ``prefix``, ``suffix``,
``equals-ignore-case``, ``anything-but`` (a value, a list, or ``{"prefix"|"suffix"|
"equals-ignore-case": ...}``), ``numeric`` (``["<", 10, ">=", 0]``), ``exists``, and ``$or``
(a list of sub-patterns, any of which must match) at any level.

The views (``kinesis_view``, ``sqs_view``, ``dynamodb_view``) are what a pattern sees: Kinesis
``data`` and SQS ``body`` JSON-decoded when they hold a JSON object, as AWS does.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists")
NUMERIC_OPS = ("=", "<", "<=", ">", ">=")


class _Opaque:
    """A data field that is not JSON: no pattern on it matches (AWS drops the record)."""

    def __repr__(self) -> str:
        return "<not JSON>"


OPAQUE = _Opaque()
_ABSENT = object()


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# --- validation -----------------------------------------------------------------------------------


def _check_string(where: str, op: str, v) -> None:
    if not isinstance(v, str):
        raise ValueError(f"{where}: {op} wants a string, got {json.dumps(v)}")


def _check_matcher(where: str, m) -> None:
    if m is None or isinstance(m, str | bool) or _is_number(m):
        return
    if not isinstance(m, dict) or len(m) != 1:
        raise ValueError(f"{where}: a matcher is a value or an object with one operator "
                         f"({', '.join(OPERATORS)}), got {json.dumps(m)}")
    (op, v), = m.items()
    if op in ("prefix", "suffix"):
        if isinstance(v, dict) and set(v) == {"equals-ignore-case"}:
            v = v["equals-ignore-case"]
        _check_string(where, op, v)
    elif op == "equals-ignore-case":
        _check_string(where, op, v)
    elif op == "exists":
        if not isinstance(v, bool):
            raise ValueError(f"{where}: exists wants true or false, got {json.dumps(v)}")
    elif op == "anything-but":
        if isinstance(v, dict):
            if len(v) != 1 or next(iter(v)) not in ("prefix", "suffix", "equals-ignore-case"):
                raise ValueError(f"{where}: anything-but takes a value, a list, or one of prefix, suffix, "
                                 f"equals-ignore-case; got {json.dumps(v)}")
            inner = next(iter(v.values()))
            for s in inner if isinstance(inner, list) else [inner]:
                _check_string(where, f"anything-but {next(iter(v))}", s)
        elif isinstance(v, list):
            if not v or not all(isinstance(x, str) or _is_number(x) for x in v):
                raise ValueError(f"{where}: anything-but list wants strings or numbers, got {json.dumps(v)}")
        elif not (isinstance(v, str) or _is_number(v)):
            raise ValueError(f"{where}: anything-but wants a string or a number, got {json.dumps(v)}")
    elif op == "numeric":
        _check_numeric(where, v)
    else:
        raise ValueError(f"{where}: unknown operator {op!r}; known: {', '.join(OPERATORS)}")


def _check_numeric(where: str, v) -> None:
    ok = isinstance(v, list) and len(v) in (2, 4)
    if ok:
        pairs = [(v[i], v[i + 1]) for i in range(0, len(v), 2)]
        ok = all(op in NUMERIC_OPS and _is_number(n) for op, n in pairs)
        if ok and len(pairs) == 2:  # a range: one lower and one upper bound
            kinds = sorted(op[0] for op, _ in pairs)
            ok = kinds == ["<", ">"]
            ok = ok and "=" not in (pairs[0][0], pairs[1][0])
    if not ok:
        raise ValueError(f"{where}: numeric wants [op, number] or a range [\">\", low, \"<\", high] with op one "
                         f"of {', '.join(NUMERIC_OPS)}; got {json.dumps(v)}")


def _check_pattern(where: str, pattern) -> None:
    if not isinstance(pattern, dict):
        raise ValueError(f"{where}: a pattern is a JSON object, got {json.dumps(pattern)}")
    for key, rule in pattern.items():
        here = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2:
                raise ValueError(f"{here}: $or wants a list of at least 2 patterns, got {json.dumps(rule)}")
            for i, sub in enumerate(rule):
                _check_pattern(f"{here}[{i}]", sub)
        elif isinstance(rule, dict):
            _check_pattern(here, rule)
        elif isinstance(rule, list):
            if not rule:
                raise ValueError(f"{here}: the list of matchers is empty")
            for m in rule:
                _check_matcher(here, m)
        else:
            raise ValueError(f"{here}: wants a list of matchers or a nested object, got {json.dumps(rule)}")


# --- matching -------------------------------------------------------------------------------------


def _same_number(a, b) -> bool:
    # AWS compares numbers by their text: 300, 300.0 and 3.0e2 are different values
    return _is_number(a) and _is_number(b) and isinstance(a, float) == isinstance(b, float) and a == b


def _numeric(spec: list, v) -> bool:
    if not _is_number(v):
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
            _check_pattern("", pattern)
        except ValueError as exc:
            raise ValueError(f"filter pattern {n}: {exc}") from None
        compiled.append(pattern)
    return Filter(tuple(compiled))


# --- record views ---------------------------------------------------------------------------------


def _json_object(text) -> object:
    """JSON object/array → the decoded value; anything else → ``OPAQUE``."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return OPAQUE
    return value if isinstance(value, dict | list) else OPAQUE


def kinesis_view(record) -> dict:
    """A Kinesis record as a pattern sees it: the ``kinesis`` fields, ``data`` decoded from base64
    and JSON (a payload that is not JSON matches no pattern on ``data``). Takes a Lambda event
    record (dict) or a record object with ``data`` bytes, ``partition_key``, ``sequence_number``."""
    if isinstance(record, dict):
        view = dict(record.get("kinesis", record))
        try:
            raw = base64.b64decode(view.get("data", ""), validate=True)
        except ValueError:
            raw = b""
    else:
        raw = bytes(record.data)
        view = {"kinesisSchemaVersion": "1.0", "partitionKey": record.partition_key,
                "sequenceNumber": record.sequence_number,
                "approximateArrivalTimestamp": round(float(getattr(record, "arrival", 0.0)), 3)}
    try:
        view["data"] = _json_object(raw.decode("utf-8"))
    except UnicodeDecodeError:
        view["data"] = OPAQUE
    return view


def sqs_view(message: dict) -> dict:
    """An SQS record (Lambda's shape) with ``body`` JSON-decoded when it holds a JSON object; a plain
    string body stays a string, so a plain-string pattern matches it and a JSON pattern does not."""
    view = dict(message)
    body = view.get("body")
    decoded = _json_object(body) if isinstance(body, str) else OPAQUE
    if decoded is not OPAQUE:
        view["body"] = decoded
    return view


def dynamodb_view(record: dict) -> dict:
    """A DynamoDB Streams record: already JSON, patterns see it as it is."""
    return record
