"""Tokenizer of DynamoDB expressions.

Token kinds: ``ident`` (a plain attribute name, keyword or function name),
``name`` (``#placeholder``), ``value`` (``:placeholder``), ``int`` (a list
index), ``cmp`` (``= <> < <= > >=``), the punctuation ``( ) , . [ ] + -`` (kind
is the character) and ``eof``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from overcast.tables.errors import ValidationException

MAX_EXPRESSION_BYTES = 4096

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>\#[A-Za-z0-9_]+)
  | (?P<value>:[A-Za-z0-9_]+)
  | (?P<int>[0-9]+)
  | (?P<cmp><>|<=|>=|=|<|>)
  | (?P<punct>[(),.\[\]+\-])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def invalid(kind: str, detail: str) -> ValidationException:
    """The ValidationException DynamoDB raises for a bad expression of ``kind``."""
    return ValidationException(f"Invalid {kind}: {detail}")


def syntax_error(kind: str, text: str, tokens: list[Token], index: int) -> ValidationException:
    """'Syntax error; token: "<tok>", near: "<previous tok next>"', as DynamoDB words it."""
    token = tokens[index]
    shown = "<EOF>" if token.kind == "eof" else token.text
    start = tokens[index - 1].start if index > 0 else token.start
    end = tokens[index + 1].end if index + 1 < len(tokens) else token.end
    return invalid(kind, f'Syntax error; token: "{shown}", near: "{text[start:end]}"')


def tokenize(text: str, kind: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``eof`` token; ValidationException on bad input."""
    if not text or text.isspace():
        raise invalid(kind, "The expression can not be empty;")
    size = len(text.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise invalid(kind, f"Expression size has exceeded the maximum allowed size; expression size: {size}")
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while pos < length:
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            bad = Token("bad", text[pos], pos, pos + 1)
            raise syntax_error(kind, text, tokens + [bad], len(tokens))
        group = match.lastgroup
        if group != "ws":
            token_kind = match.group() if group == "punct" else group
            tokens.append(Token(token_kind, match.group(), pos, match.end()))
        pos = match.end()
    tokens.append(Token("eof", "", length, length))
    return tokens
