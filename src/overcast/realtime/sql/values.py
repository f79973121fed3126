"""AWS IoT SQL values and the standard conversions between them (pure).

Types map to Python as: Int → ``int``, Decimal → ``decimal.Decimal`` (34 digits), Boolean → ``bool``,
String → ``str``, Array → ``list``, Object → ``dict``, Null → ``None``, Undefined → :data:`UNDEFINED`.
SQL version 2016-03-23 semantics: a whole-number Decimal (``10.0``) is processed as the Int ``10``.
"""

from __future__ import annotations

import decimal
import json
import re
from decimal import Decimal

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emin=-999, Emax=999)
# AWS: strings convert to Decimal only when they match this pattern.
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?([eE]-?\d+)?")


class _Undefined:
    """Not a value: a missing key, a failed conversion; omitted when serialized."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()


def is_number(v: object) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def number(d: Decimal) -> int | Decimal:
    """A Decimal result as AWS (SQL 2016-03-23) reports it: whole numbers become Int."""
    if d.is_finite() and d == d.to_integral_value():
        return int(d)
    return d


def to_decimal(v: object) -> Decimal | None:
    """Int/Decimal/numeric String → Decimal; anything else → None (the caller yields Undefined)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, Decimal):
        return v
    if isinstance(v, str) and _DECIMAL_TEXT.fullmatch(v):
        return CONTEXT.create_decimal(v)
    return None


def to_bool(v: object) -> bool | None:
    """Boolean, or the strings "true"/"false" (any case); anything else → None."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


def to_string(v: object) -> str | None:
    """The standard conversion to String; Null and Undefined → None (Undefined)."""
    if v is None or v is UNDEFINED:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, (int, Decimal)):
        return str(v)
    return dumps(v)


def equals(a: object, b: object) -> bool | _Undefined:
    """AWS ``=``: Undefined on either side → Undefined; mismatched types → false; Int/Decimal compare numerically."""
    if a is UNDEFINED or b is UNDEFINED:
        return UNDEFINED
    return _same(a, b)


def _same(a: object, b: object) -> bool:
    if is_number(a) and is_number(b):
        return Decimal(a) == Decimal(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _parse_float(text: str) -> int | Decimal:
    return number(CONTEXT.create_decimal(text))


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_document(payload: bytes) -> dict | None:
    """The payload as a document: a JSON object, or ``{}`` for an empty payload; None when it is not one."""
    if not payload.strip():
        return {}
    try:
        doc = json.loads(payload, parse_float=_parse_float, parse_constant=_no_constants)
    except ValueError:  # includes UnicodeDecodeError
        return None
    return doc if isinstance(doc, dict) else None


def plain(v: object) -> object:
    """A value as plain JSON-able Python (Decimal → float); Undefined members are dropped."""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, list):
        return [plain(x) for x in v if x is not UNDEFINED]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if x is not UNDEFINED}
    return v


def dumps(v: object) -> str:
    """Compact JSON (Decimals as doubles, as the plain form gives them)."""
    return json.dumps(plain(v), separators=(",", ":"), ensure_ascii=False)
