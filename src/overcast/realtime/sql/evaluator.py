"""Evaluate an expression tree against a message (pure): AWS IoT SQL operator and Undefined semantics."""

from __future__ import annotations

import decimal

from overcast.realtime.sql import nodes as n
from overcast.realtime.sql.functions import FUNCTIONS, Context, RawPayload
from overcast.realtime.sql.values import (
    CONTEXT,
    UNDEFINED,
    equals,
    is_number,
    number,
    to_bool,
    to_decimal,
    to_string,
)


def evaluate(node: n.Node, ctx: Context) -> object:
    """The value of ``node``; Undefined when a field is missing or an operand has the wrong type."""
    if isinstance(node, n.Literal):
        return node.value
    if isinstance(node, n.Field):
        return ctx.doc.get(node.name, UNDEFINED) if ctx.doc is not None else UNDEFINED
    if isinstance(node, n.Member):
        base = evaluate(node.base, ctx)
        return base.get(node.name, UNDEFINED) if isinstance(base, dict) else UNDEFINED
    if isinstance(node, n.Index):
        return _index(evaluate(node.base, ctx), evaluate(node.index, ctx))
    if isinstance(node, n.Call):
        args = [RawPayload(ctx.raw) if isinstance(a, n.Star) else evaluate(a, ctx) for a in node.args]
        return FUNCTIONS[node.name][2](ctx, args)
    if isinstance(node, n.Unary):
        return _unary(node.op, evaluate(node.operand, ctx))
    if isinstance(node, n.Binary):
        return binary(node.op, evaluate(node.left, ctx), evaluate(node.right, ctx))
    if isinstance(node, n.In):
        return _in(node, ctx)
    if isinstance(node, n.IsTest):
        return _is(node, evaluate(node.value, ctx))
    if isinstance(node, n.Case):
        return _case(node, ctx)
    if isinstance(node, n.ArrayLit):
        return [v for v in (evaluate(i, ctx) for i in node.items) if v is not UNDEFINED]
    if isinstance(node, n.ObjectLit):
        return {k: v for k, v in ((k, evaluate(e, ctx)) for k, e in node.items) if v is not UNDEFINED}
    raise TypeError(f"cannot evaluate {node!r}")  # '*' is handled by the statement, never here


def truthy(value: object) -> bool:
    """WHERE and searched CASE: only true (or the string "true") passes; false, Undefined and the rest do not."""
    return to_bool(value) is True


def _index(base: object, index: object) -> object:
    if isinstance(base, list):
        if isinstance(index, bool) or not is_number(index) or index != int(index):
            return UNDEFINED
        i = int(index)
        return base[i] if 0 <= i < len(base) else UNDEFINED
    if isinstance(base, dict) and isinstance(index, str):
        return base.get(index, UNDEFINED)
    return UNDEFINED


def _unary(op: str, v: object) -> object:
    if op == "NOT":
        b = to_bool(v)
        return UNDEFINED if b is None else not b
    if is_number(v):
        return -v if op == "-" else v
    d = to_decimal(v) if isinstance(v, str) else None
    if d is None:
        return UNDEFINED
    return number(-d if op == "-" else d)


def binary(op: str, a: object, b: object) -> object:
    """Apply a binary operator with AWS's type rules."""
    if op in ("AND", "OR"):
        x, y = to_bool(a), to_bool(b)
        if x is None or y is None:
            return UNDEFINED
        return (x and y) if op == "AND" else (x or y)
    if op == "=":
        return equals(a, b)
    if op == "<>":
        eq = equals(a, b)
        return eq if eq is UNDEFINED else not eq
    if op in ("<", "<=", ">", ">="):
        x, y = to_decimal(a), to_decimal(b)
        if x is None or y is None:
            return UNDEFINED
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    return _arithmetic(op, a, b)


def _arithmetic(op: str, a: object, b: object) -> object:
    if a is UNDEFINED or b is UNDEFINED:
        return UNDEFINED
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        # AWS: "+" with a String operand concatenates the other operand's string form
        x, y = to_string(a), to_string(b)
        return UNDEFINED if x is None or y is None else x + y
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and not isinstance(b, bool):
        return _int_op(op, a, b)
    if op == "+" and not (is_number(a) and is_number(b)):
        return UNDEFINED
    x, y = to_decimal(a), to_decimal(b)
    if x is None or y is None:
        return UNDEFINED
    try:
        if op == "+":
            r = CONTEXT.add(x, y)
        elif op == "-":
            r = CONTEXT.subtract(x, y)
        elif op == "*":
            r = CONTEXT.multiply(x, y)
        elif op == "/":
            r = CONTEXT.divide(x, y)
        else:
            r = CONTEXT.remainder(x, y)  # sign of the dividend, as Java's BigDecimal.remainder
    except (decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow):
        return UNDEFINED
    return number(r)


def _int_op(op: str, a: int, b: int) -> object:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return UNDEFINED
    q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)  # Int / Int truncates toward zero
    return q if op == "/" else a - b * q


def _in(node: n.In, ctx: Context) -> object:
    value = evaluate(node.value, ctx)
    if value is UNDEFINED:
        return UNDEFINED
    if node.options is not None:
        options = [evaluate(o, ctx) for o in node.options]
    else:
        options = evaluate(node.array, ctx)
        if not isinstance(options, list):
            return UNDEFINED
    found = any(equals(value, o) is True for o in options)
    return found != node.negated


def _is(node: n.IsTest, v: object) -> bool:
    if node.what == "UNDEFINED":
        return (v is UNDEFINED) != node.negated
    # IS NOT NULL holds only for an actual value: a missing field (Undefined) is neither NULL nor NOT NULL
    if node.negated:
        return v is not None and v is not UNDEFINED
    return v is None


def _case(node: n.Case, ctx: Context) -> object:
    if node.subject is not None:
        subject = evaluate(node.subject, ctx)
        if subject is UNDEFINED:
            return UNDEFINED
        for when, then in node.whens:
            if equals(subject, evaluate(when, ctx)) is True:
                return evaluate(then, ctx)
    else:
        for when, then in node.whens:
            if truthy(evaluate(when, ctx)):
                return evaluate(then, ctx)
    return evaluate(node.default, ctx) if node.default is not None else UNDEFINED
