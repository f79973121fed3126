"""Tokens of AWS IoT SQL: keywords (case-insensitive), identifiers, numbers, strings, operators."""

from __future__ import annotations

from dataclasses import dataclass

from overcast.realtime.sql.errors import SqlError

KEYWORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE",
     "CASE", "WHEN", "THEN", "ELSE", "END"}
)
_OPERATORS = ("<>", "!=", "<=", ">=", ",", "(", ")", "[", "]", "{", "}", ".", "*", "+", "-", "/", "%", "=", "<", ">",
              ":")
# AWS IoT SQL string literals follow JSON: backslash escapes, either quote character.
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True)
class Token:
    kind: str  # "keyword" | "ident" | "number" | "string" | "op" | "eof"
    value: str
    pos: int  # 0-based offset in the statement

    def describe(self) -> str:
        if self.kind == "eof":
            return "end of statement"
        if self.kind == "string":
            return f"string '{self.value}'"
        return f"'{self.value}'"


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens; raises :class:`SqlError` naming the position of a bad character."""
    out: list[Token] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            word = sql[i:j]
            kind = "keyword" if word.upper() in KEYWORDS else "ident"
            out.append(Token(kind, word.upper() if kind == "keyword" else word, i))
            i = j
        elif ch.isdigit():
            i = _number(sql, i, out)
        elif ch in "'\"":
            i = _string(sql, i, out)
        else:
            op = next((o for o in _OPERATORS if sql.startswith(o, i)), None)
            if op is None:
                raise SqlError(f"unexpected character {ch!r} at position {i + 1}", position=i + 1)
            out.append(Token("op", op, i))
            i += len(op)
    out.append(Token("eof", "", n))
    return out


def _number(sql: str, i: int, out: list[Token]) -> int:
    start, n = i, len(sql)
    while i < n and sql[i].isdigit():
        i += 1
    if i + 1 < n and sql[i] == "." and sql[i + 1].isdigit():
        i += 1
        while i < n and sql[i].isdigit():
            i += 1
    if i < n and sql[i] in "eE":
        j = i + 1
        if j < n and sql[j] in "+-":
            j += 1
        if j < n and sql[j].isdigit():
            i = j
            while i < n and sql[i].isdigit():
                i += 1
    if i < n and (sql[i].isalpha() or sql[i] == "_"):
        raise SqlError(f"malformed number at position {start + 1}: {sql[start:i + 1]!r}", position=start + 1)
    out.append(Token("number", sql[start:i], start))
    return i


def _string(sql: str, i: int, out: list[Token]) -> int:
    quote, start, n = sql[i], i, len(sql)
    i += 1
    chars: list[str] = []
    while True:
        if i >= n:
            raise SqlError(f"unterminated string starting at position {start + 1}: missing closing {quote}",
                           position=start + 1)
        ch = sql[i]
        if ch == quote:
            out.append(Token("string", "".join(chars), start))
            return i + 1
        if ch == "\\":
            esc = sql[i + 1] if i + 1 < n else ""
            if esc == "u" and _is_hex(sql[i + 2:i + 6]):
                chars.append(chr(int(sql[i + 2:i + 6], 16)))
                i += 6
                continue
            if esc not in _ESCAPES:
                raise SqlError(f"invalid escape \\{esc} in string at position {i + 1}", position=i + 1)
            chars.append(_ESCAPES[esc])
            i += 2
            continue
        chars.append(ch)
        i += 1


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)
