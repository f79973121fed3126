"""Substitution templates of topic-rule actions: ``alerts/${topic(2)}`` (pure).

As AWS IoT: each ``${expression}`` is any expression a SELECT clause takes, evaluated against the *incoming*
message (its payload, topic, client id), separately from the rule's SELECT, so it cannot name an alias the
SELECT made. A string result is inserted as is, other values as compact JSON; an Undefined result (a missing
field) inserts nothing. Text outside ``${...}`` is literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from overcast.realtime.sql import SqlError, Statement, parse
from overcast.realtime.sql.values import dumps

_VALUE = "v"


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and compiled expressions, in order."""

    text: str
    parts: tuple[str | Statement, ...]

    @property
    def is_literal(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    def render(self, payload: bytes, *, topic: str, client_id: str | None, now_ms: int,
               uuid: Callable[[], str] | None = None) -> str:
        """The text with every expression substituted. Raises ``PayloadError`` when an expression reads a
        field of a payload that is not a JSON object."""
        out: list[str] = []
        extra = {} if uuid is None else {"uuid": uuid}
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            result = part.evaluate(payload, topic=topic, client_id=client_id, now_ms=now_ms, **extra) or {}
            value = result.get(_VALUE)
            if _VALUE in result:
                out.append(value if isinstance(value, str) else dumps(value))
        return "".join(out)


def parse_template(text: str) -> Template:
    """Parse ``text``; raises :class:`SqlError` naming the expression that does not parse."""
    parts: list[str | Statement] = []
    i, literal = 0, []
    while i < len(text):
        if text.startswith("${", i):
            end = _closing(text, i + 2)
            if end < 0:
                raise SqlError(f"substitution template {text!r}: '${{' at position {i + 1} is never closed by '}}'",
                               position=i + 1)
            expression = text[i + 2:end].strip()
            if not expression:
                raise SqlError(f"substitution template {text!r}: empty '${{}}' at position {i + 1}", position=i + 1)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_compile(text, expression, i + 1))
            i = end + 1
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append("".join(literal))
    return Template(text, tuple(parts))


def _compile(text: str, expression: str, position: int) -> Statement:
    try:
        return parse(f"SELECT ({expression}) AS {_VALUE} FROM '#'")
    except SqlError as exc:
        detail = exc.message.split(" at position ")[0]
        raise SqlError(f"substitution template {text!r}: '${{{expression}}}' at position {position} is not a "
                       f"valid expression ({detail})", position=position) from None


def _closing(text: str, start: int) -> int:
    """Index of the '}' closing a '${' whose expression starts at ``start`` (braces of object literals and
    quoted strings skipped), or -1."""
    depth, quote, i = 0, None, start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1
