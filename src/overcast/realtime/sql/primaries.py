"""The primaries of AWS IoT SQL expressions: literals, fields, function calls, CASE and array/object literals.

``PrimaryParser`` is a mixin of :class:`overcast.realtime.sql.expressions.ExpressionParser`, which provides the
token helpers (``tok``, ``at``, ``take``, ``expect``, ``fail``, the cursor ``i``) and ``expr()`` for the
sub-expressions inside parentheses, arguments, CASE arms and literals. Function calls are checked here against
:mod:`overcast.realtime.sql.functions`: known name, argument count, a literal encoding for ``encode()``.
"""

from __future__ import annotations

from overcast.realtime.sql import nodes as n
from overcast.realtime.sql.errors import SqlError
from overcast.realtime.sql.functions import ACCEPTS_STAR, ENCODINGS, FUNCTIONS
from overcast.realtime.sql.lexer import Token
from overcast.realtime.sql.values import CONTEXT, number

EXPRESSION = "an expression (a field, a literal, a function call, CASE or '(')"


class PrimaryParser:
    def primary(self) -> n.Node:
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            return n.Literal(number(CONTEXT.create_decimal(tok.value)))
        if tok.kind == "string":
            self.i += 1
            return n.Literal(tok.value)
        if tok.kind == "keyword" and tok.value in ("TRUE", "FALSE", "NULL"):
            self.i += 1
            return n.Literal({"TRUE": True, "FALSE": False, "NULL": None}[tok.value])
        if tok.kind == "keyword" and tok.value == "CASE":
            return self.case()
        if tok.kind == "ident":
            self.i += 1
            if self.at("op", "("):
                return self.call(tok)
            return n.Field(tok.value)
        if self.take("op", "("):
            node = self.expr()
            self.expect("op", ")", "')' to close '('")
            return node
        if self.take("op", "["):
            return self.array()
        if self.take("op", "{"):
            return self.object()
        if tok.kind == "op" and tok.value == "*":
            self.fail(EXPRESSION + " ('*' stands alone as a SELECT item, or as the first argument of encode())")
        self.fail(EXPRESSION)

    def call(self, name_tok: Token) -> n.Node:
        name = name_tok.value.lower()
        if name not in FUNCTIONS:
            known = ", ".join(f"{f}()" for f in sorted(FUNCTIONS))
            raise SqlError(f"unknown function '{name_tok.value}' at position {name_tok.pos + 1}; supported: {known}",
                           position=name_tok.pos + 1)
        self.expect("op", "(", "'('")
        args: list[n.Node] = []
        if not self.take("op", ")"):
            while True:
                if not args and name in ACCEPTS_STAR and self.take("op", "*"):
                    args.append(n.Star())
                else:
                    args.append(self.expr())
                if self.take("op", ")"):
                    break
                self.expect("op", ",", f"',' or ')' in the arguments of {name}()")
        low, high, _ = FUNCTIONS[name]
        if not low <= len(args) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise SqlError(f"{name}() takes {count} argument{'s' if high != 1 else ''}, got {len(args)} "
                           f"(at position {name_tok.pos + 1})", position=name_tok.pos + 1)
        if name == "encode" and not (isinstance(args[1], n.Literal) and str(args[1].value).lower() in ENCODINGS):
            raise SqlError(f"encode() takes the encoding as a literal string, one of: {', '.join(sorted(ENCODINGS))} "
                           f"(at position {name_tok.pos + 1})", position=name_tok.pos + 1)
        return n.Call(name, tuple(args))

    def case(self) -> n.Node:
        start = self.take("keyword", "CASE")
        subject = None if self.at("keyword", "WHEN") else self.expr()
        whens = []
        while self.take("keyword", "WHEN"):
            cond = self.expr()
            self.expect("keyword", "THEN", "THEN")
            whens.append((cond, self.expr()))
        if not whens:
            self.fail("WHEN (CASE needs at least one WHEN ... THEN ...)")
        default = self.expr() if self.take("keyword", "ELSE") else None
        if not self.take("keyword", "END"):
            self.fail(f"WHEN, ELSE or END to close the CASE at position {start.pos + 1}")
        return n.Case(subject, tuple(whens), default)

    def array(self) -> n.Node:
        items: list[n.Node] = []
        if not self.take("op", "]"):
            items.append(self.expr())
            while self.take("op", ","):
                items.append(self.expr())
            self.expect("op", "]", "',' or ']' to close the array")
        return n.ArrayLit(tuple(items))

    def object(self) -> n.Node:
        items: list[tuple[str, n.Node]] = []
        if not self.take("op", "}"):
            while True:
                key = self.expect("string", None, "a quoted key in the object literal")
                self.expect("op", ":", "':' after the object key")
                items.append((key.value, self.expr()))
                if self.take("op", "}"):
                    break
                self.expect("op", ",", "',' or '}' in the object literal")
        return n.ObjectLit(tuple(items))
