"""Expressions of AWS IoT SQL: a recursive-descent parser over the token list (precedence climbs from OR
down to postfix paths). The primaries (literals, fields, calls, CASE, array and object literals) are parsed by the
:class:`~overcast.realtime.sql.primaries.PrimaryParser` mixin. The statement parser in
:mod:`overcast.realtime.sql.parser` builds on it."""

from __future__ import annotations

from overcast.realtime.sql import nodes as n
from overcast.realtime.sql.errors import SqlError
from overcast.realtime.sql.lexer import Token
from overcast.realtime.sql.primaries import EXPRESSION, PrimaryParser

__all__ = ["EXPRESSION", "MAX_DEPTH", "ExpressionParser"]  # EXPRESSION is re-exported for the statement parser

MAX_DEPTH = 64  # nesting guard: deeper expressions are refused, never a RecursionError
_COMPARISONS = frozenset({"=", "<>", "!=", "<", "<=", ">", ">="})


class ExpressionParser(PrimaryParser):
    def __init__(self, sql: str, tokens: list[Token]) -> None:
        self.sql, self.tokens, self.i, self.depth = sql, tokens, 0, 0

    # -- token helpers ------------------------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at(self, kind: str, value: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def take(self, kind: str, value: str | None = None) -> Token | None:
        if self.at(kind, value):
            self.i += 1
            return self.tokens[self.i - 1]
        return None

    def expect(self, kind: str, value: str | None, what: str) -> Token:
        tok = self.take(kind, value)
        if tok is None:
            self.fail(what)
        return tok

    def name(self, what: str) -> str:
        """An identifier (a field name, an alias); a reserved word is refused with a hint."""
        tok = self.tok
        if tok.kind == "ident":
            self.i += 1
            return tok.value
        self.fail(what + (" (a reserved word needs another name)" if tok.kind == "keyword" else ""))

    def fail(self, expected: str, tok: Token | None = None):
        tok = tok or self.tok
        raise SqlError(f"expected {expected} at position {tok.pos + 1}, found {tok.describe()}", position=tok.pos + 1)

    # -- expressions --------------------------------------------------------------------------------------------------
    def expr(self) -> n.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SqlError(f"expression nested too deeply at position {self.tok.pos + 1} (limit {MAX_DEPTH} levels)",
                           position=self.tok.pos + 1)
        try:
            return self.or_()
        finally:
            self.depth -= 1

    def or_(self) -> n.Node:
        node = self.and_()
        while self.take("keyword", "OR"):
            node = n.Binary("OR", node, self.and_())
        return node

    def and_(self) -> n.Node:
        node = self.not_()
        while self.take("keyword", "AND"):
            node = n.Binary("AND", node, self.not_())
        return node

    def not_(self) -> n.Node:
        if self.take("keyword", "NOT"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail(f"fewer nested NOTs (limit {MAX_DEPTH})")
            try:
                return n.Unary("NOT", self.not_())
            finally:
                self.depth -= 1
        return self.predicate()

    def predicate(self) -> n.Node:
        node = self.sum()
        tok = self.tok
        if tok.kind == "op" and tok.value in _COMPARISONS:
            self.i += 1
            op = "<>" if tok.value == "!=" else tok.value
            return n.Binary(op, node, self.sum())
        if self.take("keyword", "IS"):
            negated = bool(self.take("keyword", "NOT"))
            if self.take("keyword", "NULL"):
                return n.IsTest(node, "NULL", negated)
            if self.at("ident") and self.tok.value.upper() == "UNDEFINED":
                self.i += 1
                return n.IsTest(node, "UNDEFINED", negated)
            self.fail("NULL or UNDEFINED after IS" + (" NOT" if negated else ""))
        if self.at("keyword", "NOT") and self.tokens[self.i + 1].kind == "keyword" and \
                self.tokens[self.i + 1].value == "IN":
            self.i += 2
            return self.in_rest(node, negated=True)
        if self.take("keyword", "IN"):
            return self.in_rest(node, negated=False)
        return node

    def in_rest(self, value: n.Node, negated: bool) -> n.Node:
        if self.take("op", "("):
            options = [self.expr()]
            while self.take("op", ","):
                options.append(self.expr())
            self.expect("op", ")", "',' or ')' to close the IN list")
            return n.In(value, tuple(options), None, negated)
        if self.at("eof") or self.at("keyword"):
            self.fail("'(' with a list of values, or an array, after IN")
        return n.In(value, None, self.sum(), negated)

    def sum(self) -> n.Node:
        node = self.product()
        while self.at("op", "+") or self.at("op", "-"):
            op = self.take("op").value
            node = n.Binary(op, node, self.product())
        return node

    def product(self) -> n.Node:
        node = self.unary()
        while self.at("op", "*") or self.at("op", "/") or self.at("op", "%"):
            op = self.take("op").value
            node = n.Binary(op, node, self.unary())
        return node

    def unary(self) -> n.Node:
        if self.at("op", "-") or self.at("op", "+"):
            op = self.take("op").value
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail(f"fewer nested signs (limit {MAX_DEPTH})")
            try:
                return n.Unary(op, self.unary())
            finally:
                self.depth -= 1
        return self.postfix(self.primary())

    def postfix(self, node: n.Node) -> n.Node:
        while True:
            if self.take("op", "."):
                node = n.Member(node, self.name("a field name after '.'"))
            elif self.take("op", "["):
                index = self.expr()
                self.expect("op", "]", "']' to close the index")
                node = n.Index(node, index)
            else:
                return node
