"""Parsing AWS IoT SQL: grammar, keywords, precedence, and clear errors for malformed statements."""

from __future__ import annotations

import re

import pytest

from overcast.realtime.sql import SqlError, parse
from overcast.realtime.sql import nodes as n
from tests.realtime.helpers import value, where


def test_statement_parts():
    st = parse("SELECT a, b.c AS d FROM 'sensors/+/temp' WHERE a > 1")
    assert st.topic_filter == "sensors/+/temp"
    assert [item.key for item in st.items] == [("a",), ("d",)]
    assert isinstance(st.where, n.Binary) and st.where.op == ">"
    assert st.fields == ("a", "b")


def test_keywords_are_case_insensitive():
    st = parse("select * from 'a/b' where x = 1 and not y is null")
    assert st.topic_filter == "a/b" and st.selects_star
    assert where("x = 1 AnD y iS NoT nUlL", {"x": 1, "y": 2})


def test_double_quoted_strings_are_strings():
    assert value('"red"') == "red"
    assert value("'it\\'s' + \"\\u00e9\\n\"") == "it's\u00e9\n"


def test_literals():
    assert value("12") == 12
    assert value("1.25") == 1.25
    assert value("1e3") == 1000
    assert value("2.5E-1") == 0.25
    assert value("true") is True and value("FALSE") is False
    assert value("null") is None
    assert value("[1, 'a', [true]]") == [1, "a", [True]]
    assert value("{'k': 1, 'n': {'m': 'x'}}") == {"k": 1, "n": {"m": "x"}}


@pytest.mark.parametrize("expr, expected", [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 4 - 3", 3),
    ("100 / 10 / 5", 2),
    ("-2 * 3", -6),
    ("- (2 + 3)", -5),
    ("2 * -3", -6),
    ("7 % 4 * 2", 6),
    ("'a' + 1 + 2", "a12"),
    ("1 + 2 + 'a'", "3a"),
    ("1 + 2 = 3", True),
    ("1 < 2 AND 3 > 2", True),
    ("NOT true AND false", False),
    ("NOT (true AND false)", True),
    ("true OR false AND false", True),
    ("(true OR false) AND false", False),
    ("NOT 1 = 2", True),
    ("1 + 1 IN (2, 3)", True),
])
def test_precedence(expr, expected):
    assert value(expr) == expected


def test_paths_and_indexes():
    doc = {"a": {"b": {"c": [10, {"d": "deep"}]}}, "arr": [[1, 2], [3, 4]]}
    assert value("a.b.c[1].d", doc) == "deep"
    assert value("arr[1][0]", doc) == 3
    assert value("a['b'].c[0]", doc) == 10


def test_alias_forms():
    st = parse("SELECT a AS x, b AS out.inner, c FROM 'a'")
    assert [item.key for item in st.items] == [("x",), ("out", "inner"), ("c",)]


def test_star_only_in_select_or_encode():
    assert parse("SELECT *, encode(*, 'base64') AS raw FROM 'a'").selects_star
    with pytest.raises(SqlError, match="'\\*' stands alone"):
        parse("SELECT upper(*) FROM 'a'")


def test_error_carries_aws_name_and_status():
    with pytest.raises(SqlError) as info:
        parse("SELECT FROM 'a'")
    err = info.value
    assert err.code == "rules.sql" and err.http_status == 400 and err.aws_name == "SqlParseException"
    assert err.position == 8
    assert err.to_dict()["__type"] == "SqlParseException"


def test_deep_nesting_is_refused_cleanly():
    with pytest.raises(SqlError, match="nested too deeply .*limit 64"):
        parse("SELECT " + "(" * 200 + "1" + ")" * 200 + " AS x FROM 'a'")
    with pytest.raises(SqlError, match="limit 64"):
        parse("SELECT * FROM 'a' WHERE " + "NOT " * 200 + "true")


MALFORMED = [
    ("", "the SQL statement is empty"),
    ("   ", "the SQL statement is empty"),
    ("SELEC * FROM 'a'", "expected SELECT at position 1, found 'SELEC'"),
    ("SELECT FROM 'a'", re.escape("expected a SELECT item ('*' or an expression (a field, a literal, a function call, "
                                  "CASE or '(')) at position 8, found 'FROM'")),
    ("SELECT", "expected a SELECT item .* at position 7, found end of statement"),
    ("SELECT *", "expected ',' or FROM at position 9, found end of statement"),
    ("SELECT * FROM", "expected the topic filter as a quoted string after FROM .* at position 14, found end of statement"),
    ("SELECT * FROM a/b", "expected the topic filter as a quoted string after FROM .* at position 15, found 'a'"),
    ("SELECT a b FROM 'x'", "expected ',' or FROM at position 10, found 'b'"),
    ("SELECT a, FROM 'x'", "expected a SELECT item .* at position 11, found 'FROM'"),
    ("SELECT * FROM 'a' WHERE", "expected an expression .* at position 24, found end of statement"),
    ("SELECT * FROM 'a' WHERE x = 1 y", "expected an operator or end of statement at position 31, found 'y'"),
    ("SELECT * FROM 'a' extra", "expected WHERE or end of statement at position 19, found 'extra'"),
    ("SELECT (a + 1 AS x FROM 'a'", "expected '\\)' to close '\\(' at position 15, found 'AS'"),
    ("SELECT a[0 FROM 'a'", "expected '\\]' to close the index at position 12, found 'FROM'"),
    ("SELECT 'abc FROM 'a'", "unterminated string starting at position 20: missing closing '"),
    ("SELECT 'abc FROM x", "unterminated string starting at position 8: missing closing '"),
    ("SELECT a AS FROM 'x'", "expected a name after AS \\(a reserved word needs another name\\) at position 13"),
    ("SELECT a AS 5 FROM 'x'", "expected a name after AS at position 13, found '5'"),
    ("SELECT a. FROM 'x'", "expected a field name after '.' .* at position 11, found 'FROM'"),
    ("SELECT nosuch(1) FROM 'x'", "unknown function 'nosuch' at position 8; supported: abs\\(\\), clientid\\(\\)"),
    ("SELECT upper() FROM 'x'", "upper\\(\\) takes 1 argument, got 0"),
    ("SELECT topic(1, 2) FROM 'x'", "topic\\(\\) takes 0 to 1 argument, got 2"),
    ("SELECT encode(*, 'hex') FROM 'x'", "encode\\(\\) takes the encoding as a literal string, one of: base64"),
    ("SELECT encode(*) FROM 'x'", "encode\\(\\) takes 2 arguments, got 1"),
    ("SELECT lower(a b) FROM 'x'", "expected ',' or '\\)' in the arguments of lower\\(\\) at position 16, found 'b'"),
    ("SELECT CASE WHEN a THEN 1 FROM 'x'", "expected WHEN, ELSE or END to close the CASE at position 8 at position 27"),
    ("SELECT CASE a ELSE 1 END FROM 'x'", "expected WHEN \\(CASE needs at least one WHEN ... THEN ...\\) at position 15"),
    ("SELECT CASE WHEN a 1 END FROM 'x'", "expected THEN at position 20, found '1'"),
    ("SELECT * FROM 'a' WHERE x IS 5", "expected NULL or UNDEFINED after IS at position 30, found '5'"),
    ("SELECT * FROM 'a' WHERE x IS NOT", "expected NULL or UNDEFINED after IS NOT at position 33"),
    ("SELECT * FROM 'a' WHERE x IN (1, 2", "expected ',' or '\\)' to close the IN list at position 35"),
    ("SELECT * FROM 'a' WHERE x IN", "expected '\\(' with a list of values, or an array, after IN at position 29"),
    ("SELECT a # b FROM 'x'", "unexpected character '#' at position 10"),
    ("SELECT 12abc FROM 'x'", "malformed number at position 8: '12a'"),
    ("SELECT 'a\\q' FROM 'x'", "invalid escape \\\\q in string at position 10"),
    ("SELECT [1, 2 FROM 'x'", "expected ',' or '\\]' to close the array at position 14"),
    ("SELECT {1: 2} AS o FROM 'x'", "expected a quoted key in the object literal at position 9"),
    ("SELECT * FROM ''", "invalid topic filter at position 15: the topic filter is empty"),
    ("SELECT * FROM 'a/#/b'", "invalid topic filter at position 15: .*'#' must be the whole last level"),
    ("SELECT * FROM 'a/b+'", "invalid topic filter at position 15: .*'\\+' must fill a whole level"),
    ("SELECT * FROM 'a' WHERE * = 1", "expected an expression .* at position 25, found '\\*'"),
]


@pytest.mark.parametrize("sql, message", MALFORMED, ids=[m[0] or "empty" for m in MALFORMED])
def test_malformed_statement(sql, message):
    with pytest.raises(SqlError, match=message):
        parse(sql)


def test_random_token_soup_only_ever_raises_sql_error():
    """Any text either parses or raises SqlError; what parses evaluates without an unexpected exception."""
    import random

    pieces = ["SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "IN", "IS", "NULL", "UNDEFINED", "CASE", "WHEN",
              "THEN", "ELSE", "END", "*", "+", "-", "/", "%", "=", "<>", "<", ">=", "(", ")", "[", "]", "{", "}", ",",
              ".", ":", "'a/b'", "'#'", "\"s\"", "1", "2.5", "0", "a", "b", "true", "topic(", "encode(", "'base64'",
              "concat(", "round(", "abs(", "lower("]
    rng = random.Random(1234)
    parsed = 0
    for _ in range(3000):
        def soup() -> str:
            return " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 4)))

        text = f"SELECT {soup()} FROM '#'" + (f" WHERE {soup()}" if rng.random() < 0.5 else "")
        if rng.random() < 0.2:
            text = soup() + " " + text
        try:
            st = parse(text)
        except SqlError:
            continue
        parsed += 1
        st.evaluate(b'{"a": 1, "b": [1, "x"]}', topic="a/b", client_id="c", now_ms=5)
    assert parsed > 50, parsed  # a few percent of the soup is a valid statement
