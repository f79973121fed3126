"""Recursive-descent parser: SQL text → :class:`~overcast.realtime.sql.statement.Statement`.

Grammar (keywords case-insensitive)::

    statement := SELECT item ("," item)* FROM 'topic filter' [WHERE expr]
    item      := "*" | expr [AS name ("." name)*]
    expr      := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | predicate
    predicate := sum [cmp sum | IS [NOT] (NULL | UNDEFINED) | [NOT] IN ("(" expr,* ")" | sum)]
    sum       := product (("+" | "-") product)*;  product := unary (("*" | "/" | "%") unary)*
    unary     := ("-" | "+") unary | postfix;  postfix := primary ("." name | "[" expr "]")*
    primary   := number | string | TRUE | FALSE | NULL | name | name "(" args ")" | "(" expr ")"
               | CASE [expr] (WHEN expr THEN expr)+ [ELSE expr] END | "[" expr,* "]" | "{" string ":" expr,* "}"
"""

from __future__ import annotations

from overcast.realtime import topics
from overcast.realtime.sql import nodes as n
from overcast.realtime.sql.errors import SqlError
from overcast.realtime.sql.expressions import EXPRESSION, ExpressionParser
from overcast.realtime.sql.lexer import tokenize
from overcast.realtime.sql.statement import Statement


def parse(sql: str) -> Statement:
    """Parse one AWS IoT SQL statement; raises :class:`SqlError` naming the position and what was expected."""
    if not isinstance(sql, str) or not sql.strip():
        raise SqlError("the SQL statement is empty: expected SELECT ... FROM 'topic/filter'", position=1)
    p = _StatementParser(sql, tokenize(sql))
    items, topic_filter, where = p.statement()
    return Statement(sql=sql, items=tuple(items), topic_filter=topic_filter, where=where)


class _StatementParser(ExpressionParser):
    # -- statement ----------------------------------------------------------------------------------------------------
    def statement(self):
        self.expect("keyword", "SELECT", "SELECT")
        items = [self.item(1)]
        while self.take("op", ","):
            items.append(self.item(len(items) + 1))
        if not self.at("keyword", "FROM"):
            self.fail("',' or FROM")
        self.i += 1
        tok = self.tok
        if tok.kind != "string":
            self.fail("the topic filter as a quoted string after FROM (FROM 'a/b/#')")
        self.i += 1
        try:
            topics.validate_filter(tok.value)
        except topics.TopicError as exc:
            raise SqlError(f"invalid topic filter at position {tok.pos + 1}: {exc.message}", position=tok.pos + 1)
        where = None
        if self.take("keyword", "WHERE"):
            where = self.expr()
        if not self.at("eof"):
            self.fail("WHERE or end of statement" if where is None else "an operator or end of statement")
        return items, tok.value, where

    def item(self, position: int) -> n.Item:
        if self.take("op", "*"):
            return n.Item(n.Star(), None)
        if self.at("keyword", "FROM") or self.at("eof") or self.at("op", ","):
            self.fail("a SELECT item ('*' or " + EXPRESSION + ")")
        expr = self.expr()
        if self.take("keyword", "AS"):
            key = [self.name("a name after AS")]
            while self.take("op", "."):
                key.append(self.name("a name after '.' in the alias"))
            return n.Item(expr, tuple(key))
        return n.Item(expr, (_derived_key(expr, position),))


def _derived_key(expr: n.Node, position: int) -> str:
    """The output key of an unaliased item: a path keeps its leaf name, a call its function name, else ``_N``."""
    node = expr
    while isinstance(node, n.Index):
        node = node.base
    if isinstance(node, n.Field):
        return node.name
    if isinstance(node, n.Member):
        return node.name
    if isinstance(node, n.Call) and node is expr:
        return node.name
    return f"_{position}"
