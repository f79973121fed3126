"""Lambda event filtering: validation of ``filterCriteria`` patterns against the syntax (pure).

``check_pattern`` walks one parsed pattern and raises ``ValueError`` naming the field path of the
first problem: an unknown operator, an operand of the wrong type, an empty list of matchers, an
``$or`` with fewer than two sub-patterns. The syntax itself is described in
``overcast.sources.filtering``, which compiles and matches patterns.
"""

from __future__ import annotations

import json

OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists")
NUMERIC_OPS = ("=", "<", "<=", ">", ">=")


def is_number(v) -> bool:
    """A JSON number: ``int`` or ``float``, never ``bool``."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check_string(where: str, op: str, v) -> None:
    if not isinstance(v, str):
        raise ValueError(f"{where}: {op} wants a string, got {json.dumps(v)}")


def _check_matcher(where: str, m) -> None:
    if m is None or isinstance(m, str | bool) or is_number(m):
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
            if not v or not all(isinstance(x, str) or is_number(x) for x in v):
                raise ValueError(f"{where}: anything-but list wants strings or numbers, got {json.dumps(v)}")
        elif not (isinstance(v, str) or is_number(v)):
            raise ValueError(f"{where}: anything-but wants a string or a number, got {json.dumps(v)}")
    elif op == "numeric":
        _check_numeric(where, v)
    else:
        raise ValueError(f"{where}: unknown operator {op!r}; known: {', '.join(OPERATORS)}")


def _check_numeric(where: str, v) -> None:
    ok = isinstance(v, list) and len(v) in (2, 4)
    if ok:
        pairs = [(v[i], v[i + 1]) for i in range(0, len(v), 2)]
        ok = all(op in NUMERIC_OPS and is_number(n) for op, n in pairs)
        if ok and len(pairs) == 2:  # a range: one lower and one upper bound
            kinds = sorted(op[0] for op, _ in pairs)
            ok = kinds == ["<", ">"]
            ok = ok and "=" not in (pairs[0][0], pairs[1][0])
    if not ok:
        raise ValueError(f"{where}: numeric wants [op, number] or a range [\">\", low, \"<\", high] with op one "
                         f"of {', '.join(NUMERIC_OPS)}; got {json.dumps(v)}")


def check_pattern(where: str, pattern) -> None:
    """Raise ``ValueError`` at the first problem of ``pattern``, prefixed with its field path from ``where``."""
    if not isinstance(pattern, dict):
        raise ValueError(f"{where}: a pattern is a JSON object, got {json.dumps(pattern)}")
    for key, rule in pattern.items():
        here = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2:
                raise ValueError(f"{here}: $or wants a list of at least 2 patterns, got {json.dumps(rule)}")
            for i, sub in enumerate(rule):
                check_pattern(f"{here}[{i}]", sub)
        elif isinstance(rule, dict):
            check_pattern(here, rule)
        elif isinstance(rule, list):
            if not rule:
                raise ValueError(f"{here}: the list of matchers is empty")
            for m in rule:
                _check_matcher(here, m)
        else:
            raise ValueError(f"{here}: wants a list of matchers or a nested object, got {json.dumps(rule)}")

