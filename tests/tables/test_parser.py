"""Tokenizing and parsing expressions: the tree, precedence, and every syntax rule."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.expressions import RESERVED_WORDS, is_reserved, parse_condition, parse_projection, parse_update
from overcast.tables.expressions.nodes import (
    Action,
    And,
    Arith,
    Between,
    Call,
    Compare,
    In,
    NameRef,
    Not,
    Or,
    Path,
    Value,
)


def _root(text: str):
    return parse_condition(text).root


def _error(text: str, parse=parse_condition) -> str:
    with pytest.raises(ValidationException) as info:
        parse(text)
    return info.value.message


def test_paths_with_names_placeholders_and_indexes():
    parsed = parse_condition("a.b[2].c = :v AND #x.#y[0][1] = :w")
    left, right = parsed.root.left, parsed.root.right
    assert left == Compare("=", Path(("a", "b", 2, "c")), Value(":v"))
    assert right.left == Path((NameRef("#x"), NameRef("#y"), 0, 1))
    assert parsed.names == {"#x", "#y"} and parsed.values == {":v", ":w"}


def test_precedence_not_over_and_over_or():
    a, b, c = (Compare("=", Path((n,)), Value(":v")) for n in "abc")
    assert _root("a = :v OR b = :v AND c = :v") == Or(a, And(b, c))
    assert _root("a = :v AND b = :v OR c = :v") == Or(And(a, b), c)
    assert _root("NOT a = :v AND b = :v") == And(Not(a), b)
    assert _root("NOT (a = :v AND b = :v)") == Not(And(a, b))
    assert _root("(a = :v OR b = :v) AND c = :v") == And(Or(a, b), c)
    assert _root("NOT NOT a = :v") == Not(Not(a))
    assert _root("a = :v or b = :v and not c = :v") == Or(a, And(b, Not(c)))  # keywords are case-insensitive


def test_between_in_and_functions():
    assert _root("a BETWEEN :lo AND :hi AND b = :v") == And(
        Between(Path(("a",)), Value(":lo"), Value(":hi")), Compare("=", Path(("b",)), Value(":v"))
    )
    assert _root("a IN (:x, :y, b)") == In(Path(("a",)), (Value(":x"), Value(":y"), Path(("b",))))
    assert _root("size(a) >= :n") == Compare(">=", Call("size", (Path(("a",)),)), Value(":n"))
    assert _root("begins_with(a, :p)") == Call("begins_with", (Path(("a",)), Value(":p")))
    assert _root("contains(#l, b.c)") == Call("contains", (Path((NameRef("#l"),)), Path(("b", "c"))))
    assert _root("attribute_type(a, :t)") == Call("attribute_type", (Path(("a",)), Value(":t")))
    for op in ("=", "<>", "<", "<=", ">", ">="):
        assert _root(f"a {op} :v") == Compare(op, Path(("a",)), Value(":v"))


def test_in_takes_at_most_100_operands():
    values = ", ".join(f":v{i}" for i in range(100))
    assert len(_root(f"a IN ({values})").options) == 100
    message = _error(f"a IN ({values}, :v100)")
    assert "The IN operator is provided with too many operands; number of operands: 101" in message


def test_syntax_errors_name_the_token_and_its_neighbours():
    assert _error("a = = :v") == 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'
    assert _error("a = :v AND") == 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"'
    assert _error("a $ :v") == 'Invalid ConditionExpression: Syntax error; token: "$", near: "a $"'
    assert 'token: ")"' in _error("(a = :v))")
    assert "Syntax error" in _error("a = :v b = :w")
    assert "Syntax error" in _error("a.1 = :v")
    assert "Syntax error" in _error("a[-1] = :v")
    assert "Syntax error" in _error("a[x] = :v")
    assert "Syntax error" in _error("my-attr = :v")
    assert "Syntax error" in _error("a = 5")  # literals must be placeholders
    assert "Syntax error" in _error("a BETWEEN :x :y")
    assert "Syntax error" in _error("a")
    assert "Syntax error" in _error("a = AND")


def test_empty_and_oversized_expressions():
    assert _error("") == "Invalid ConditionExpression: The expression can not be empty;"
    assert _error("   ") == "Invalid ConditionExpression: The expression can not be empty;"
    big = " OR ".join(f"a{i} = :v" for i in range(500))
    assert "Expression size has exceeded the maximum allowed size" in _error(big)


def test_reserved_words_must_be_escaped():
    assert len(RESERVED_WORDS) >= 100
    for word in ["NAME", "STATUS", "DATA", "DATE", "SIZE", "KEY", "VALUE", "COUNT", "TIMESTAMP", "USER", "ORDER"]:
        assert word in RESERVED_WORDS
        assert is_reserved(word.lower())
        message = _error(f"{word.lower()} = :v")
        assert (
            message
            == f"Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: {word.lower()}"
        )
    assert "reserved keyword: Status" in _error("a.Status = :v")  # nested elements too
    assert "reserved keyword: name" in _error("name", parse_projection)
    assert "reserved keyword: date" in _error("SET date = :v", parse_update)
    # escaped, the same names are fine; unreserved names are fine
    assert _root("#name = :v AND username = :w AND names_ = :x")
    assert not is_reserved("username")


def test_function_rules():
    assert _error("Begins_With(a, :p)") == "Invalid ConditionExpression: Invalid function name; function: Begins_With"
    assert "Invalid function name; function: foo" in _error("foo(a) = :v")
    assert (
        _error("begins_with(a)") == "Invalid ConditionExpression: Incorrect number of operands for operator or "
        "function; operator or function: begins_with, number of operands: 1"
    )
    assert "operator or function: attribute_exists, number of operands: 2" in _error("attribute_exists(a, b)")
    assert (
        _error("attribute_exists(:v)") == "Invalid ConditionExpression: Operator or function requires a document path;"
        " operator or function: attribute_exists"
    )
    assert "requires a document path; operator or function: size" in _error("size(:v) > :n")
    assert "requires a document path; operator or function: contains" in _error("contains(:v, a)")
    misuse = "The function is not allowed to be used this way in an expression; function: "
    assert misuse + "size" in _error("size(a)")
    assert misuse + "attribute_exists" in _error("attribute_exists(a) = :v")
    assert misuse + "begins_with" in _error("a = begins_with(b, :p)")
    assert "The function is not allowed in a condition expression; function: if_not_exists" in _error(
        "if_not_exists(a, :v) = :v"
    )


def test_first_operand_must_be_distinct():
    expected = (
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
        "operator or function; operator: =, first operand: [a.b]"
    )
    assert _error("a.b = a.b") == expected
    assert "operator: BETWEEN, first operand: [a]" in _error("a BETWEEN :x AND a")
    assert "operator: IN, first operand: [#n]" in _error("#n IN (:x, #n)")
    assert _root("a = b")


def test_document_paths_nest_at_most_32_levels():
    ok = "a" + ".b" * 31
    assert len(_root(f"{ok} = :v").left.parts) == 32
    assert "The document path has too many nesting levels; nesting levels: 33" in _error(f"{ok}.c = :v")


def test_kind_names_the_expression_in_errors():
    with pytest.raises(ValidationException, match="^Invalid FilterExpression: Syntax error"):
        parse_condition("a =", "FilterExpression")
    with pytest.raises(ValidationException, match="^Invalid ProjectionExpression: Syntax error"):
        parse_projection("a,")
    with pytest.raises(ValidationException, match="^Invalid UpdateExpression: Syntax error"):
        parse_update("SET a")


def test_projection_parses_paths():
    parsed = parse_projection("a, b.c, #d[1], e[0].f")
    assert parsed.root == (Path(("a",)), Path(("b", "c")), Path((NameRef("#d"), 1)), Path(("e", 0, "f")))
    assert parsed.names == {"#d"}


def test_update_parses_all_clauses_in_order():
    parsed = parse_update("set a = :v, b = b + :n, c = list_append(c, :l) remove x, y[1] ADD n :num DELETE s :sub")
    assert parsed.root == (
        Action("SET", Path(("a",)), Value(":v")),
        Action("SET", Path(("b",)), Arith("+", Path(("b",)), Value(":n"))),
        Action("SET", Path(("c",)), Call("list_append", (Path(("c",)), Value(":l")))),
        Action("REMOVE", Path(("x",))),
        Action("REMOVE", Path(("y", 1))),
        Action("ADD", Path(("n",)), Value(":num")),
        Action("DELETE", Path(("s",)), Value(":sub")),
    )
    nested = parse_update("SET d = list_append(if_not_exists(d, :empty), :new), e = if_not_exists(e, :z) - :one")
    assert nested.root[0].value == Call(
        "list_append", (Call("if_not_exists", (Path(("d",)), Value(":empty"))), Value(":new"))
    )
    assert nested.root[1].value == Arith("-", Call("if_not_exists", (Path(("e",)), Value(":z"))), Value(":one"))


def test_update_syntax_rules():
    assert _error("SET a = :v SET b = :w", parse_update) == (
        'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'
    )
    assert 'The "REMOVE" section can only be used once' in _error("REMOVE a ADD n :n REMOVE b", parse_update)
    assert "Syntax error" in _error("SET a = :v + :w + :x", parse_update)
    assert "Syntax error" in _error("SET a :v", parse_update)
    assert "Syntax error" in _error("SET a < :v", parse_update)
    assert "Syntax error" in _error("ADD a b", parse_update)  # ADD takes a value placeholder
    assert "Syntax error" in _error("DELETE a", parse_update)
    assert "Syntax error" in _error("UPSERT a = :v", parse_update)
    assert "Syntax error" in _error("SET a = :v,", parse_update)
    assert "The function is not allowed in an update expression; function: size" in _error(
        "SET a = size(b)", parse_update
    )
    assert "requires a document path; operator or function: if_not_exists" in _error(
        "SET a = if_not_exists(:v, :w)", parse_update
    )
    assert "number of operands: 3" in _error("SET a = list_append(:a, :b, :c)", parse_update)


def test_parsing_is_cached_by_text():
    assert parse_condition("a = :cached") is parse_condition("a = :cached")
    assert parse_update("SET a = :cached") is parse_update("SET a = :cached")
    assert parse_projection("a, b") is parse_projection("a, b")
    assert parse_condition("a = :cached", "FilterExpression") is not parse_condition("a = :cached")
