"""The built-in functions of AWS IoT SQL that overcast supports (pure).

Each takes already-evaluated arguments (``encode`` may take the raw payload for ``*``) and returns a
value; a function given arguments of the wrong type returns Undefined, as AWS documents.
"""

from __future__ import annotations

import base64
import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from overcast.realtime.sql.values import UNDEFINED, is_number, number, to_decimal, to_string


@dataclass(frozen=True)
class Context:
    """What a statement is evaluated against: the message and the rule engine's clock."""

    doc: dict | None  # None: the payload is not a JSON object
    raw: bytes
    topic: str
    client_id: str
    now_ms: int
    uuid: Callable[[], str]


@dataclass(frozen=True)
class RawPayload:
    """``*`` passed to a function: the payload bytes, JSON or not."""

    data: bytes


def _topic(ctx: Context, args: list) -> object:
    if not args:
        return ctx.topic
    d = to_decimal(args[0])
    if d is None:
        return UNDEFINED
    n = int(d)  # AWS: a Decimal segment number is truncated to Int
    levels = ctx.topic.split("/")
    return levels[n - 1] if 1 <= n <= len(levels) else UNDEFINED


def _clientid(ctx: Context, args: list) -> object:
    return ctx.client_id


def _timestamp(ctx: Context, args: list) -> object:
    return ctx.now_ms


def _newuuid(ctx: Context, args: list) -> object:
    return str(ctx.uuid())


def _lower(ctx: Context, args: list) -> object:
    s = to_string(args[0])
    return UNDEFINED if s is None else s.lower()


def _upper(ctx: Context, args: list) -> object:
    s = to_string(args[0])
    return UNDEFINED if s is None else s.upper()


def _concat(ctx: Context, args: list) -> object:
    if not args or any(a is UNDEFINED for a in args):
        return UNDEFINED
    if any(isinstance(a, list) for a in args):
        out: list = []
        for a in args:
            out.extend(a) if isinstance(a, list) else out.append(a)
        return out
    parts = [to_string(a) for a in args]
    return UNDEFINED if any(p is None for p in parts) else "".join(parts)


def _abs(ctx: Context, args: list) -> object:
    v = args[0]
    if is_number(v):
        return abs(v)
    d = to_decimal(v) if isinstance(v, str) else None
    return UNDEFINED if d is None else number(abs(d))


def _round(ctx: Context, args: list) -> object:
    v = args[0]
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    d = to_decimal(v) if isinstance(v, (Decimal, str)) else None
    if d is None:
        return UNDEFINED
    # AWS: halves round away from zero (round(1.5) = 2, round(-1.5) = -2)
    return int(d.quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP))


def _encode(ctx: Context, args: list) -> object:
    value, scheme = args
    if not isinstance(scheme, str) or scheme.lower() != "base64":
        return UNDEFINED
    if isinstance(value, RawPayload):
        data = value.data
    else:
        text = to_string(value)
        if text is None:
            return UNDEFINED
        data = text.encode()
    return base64.b64encode(data).decode("ascii")


def _isundefined(ctx: Context, args: list) -> object:
    return args[0] is UNDEFINED


def _isnull(ctx: Context, args: list) -> object:
    return args[0] is None


# name → (minimum arguments, maximum arguments, implementation)
FUNCTIONS: dict[str, tuple[int, int, Callable[[Context, list], object]]] = {
    "topic": (0, 1, _topic),
    "clientid": (0, 0, _clientid),
    "timestamp": (0, 0, _timestamp),
    "newuuid": (0, 0, _newuuid),
    "lower": (1, 1, _lower),
    "upper": (1, 1, _upper),
    "concat": (0, 255, _concat),
    "abs": (1, 1, _abs),
    "round": (1, 1, _round),
    "encode": (2, 2, _encode),
    "isundefined": (1, 1, _isundefined),
    "isnull": (1, 1, _isnull),
}
# the functions that may take ``*`` as their first argument
ACCEPTS_STAR = frozenset({"encode"})
ENCODINGS = frozenset({"base64"})
