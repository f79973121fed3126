"""Evaluating AWS IoT SQL: types and operators, Undefined, CASE, IN, IS, functions, result shape."""

from __future__ import annotations

import base64

import pytest

from tests.realtime.helpers import NOW_MS, TOPIC, run, value, where

DOC = {"i": 7, "d": 2.5, "s": "abc", "n": "12.5", "t": True, "z": None, "arr": [1, 2, 3], "obj": {"k": "v"}}


# -- arithmetic type rules ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr, expected", [
    ("i + 1", 8),                # Int + Int → Int
    ("i + d", 9.5),              # Int + Decimal → Decimal
    ("d + d", 5),                # a whole-number Decimal is an Int (SQL 2016-03-23)
    ("i / 2", 3),                # Int / Int → Int, truncated
    ("-7 / 2", -3),              # ... toward zero
    ("i / 2.0", 3),              # 2.0 is the Int 2 under SQL 2016-03-23, so this is Int division
    ("i / 2.5", 2.8),            # Decimal division
    ("-7 % 3", -1),              # remainder takes the dividend's sign
    ("7.5 % 2", 1.5),
    ("n - 0.5", 12),             # numeric strings convert for - * / %
    ("n * 2", 25),
    ("'10' / 4", 2.5),
    ("'8' % '3'", 2),
    ("s + i", "abc7"),           # + with a String concatenates
    ("i + s", "7abc"),
    ("s + t", "abctrue"),
    ("s + arr", "abc[1,2,3]"),
    ("s + obj", 'abc{"k":"v"}'),
    ("0.1 + 0.2", 0.3),          # Decimal, not binary floating point
    ("-n", -12.5),
    ("-'3'", -3),
])
def test_arithmetic(expr, expected):
    assert value(expr, DOC) == expected


@pytest.mark.parametrize("expr", [
    "i + missing", "missing * 2", "s - 1", "t + 1", "i / 0", "i % 0", "d / 0", "z + 1", "s + z", "arr * 2",
    "obj - 1", "-s", "-t", "'1e' - 1",
])
def test_arithmetic_undefined(expr):
    assert value(expr, DOC) is ...


# -- comparisons -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cond, expected", [
    ("i = 7", True), ("i = 7.0", True), ("i <> 8", True), ("i != 7", False),
    ("s = 'abc'", True), ("s = 'ABC'", False),
    ("n = 12.5", False),           # mismatched types: String vs Decimal is not equal
    ("n > 12", True),              # ... but ordering converts strings to Decimal
    ("'2' < '10'", True),          # numerically, not lexically
    ("i >= 7 AND i <= 7", True), ("d < i", True), ("d > i", False),
    ("arr = [1, 2, 3]", True), ("arr = [3, 2, 1]", False),
    ("obj = {'k': 'v'}", True), ("obj <> {'k': 'w'}", True),
    ("z = null", True), ("z <> null", False),
    ("t = true", True), ("t = 'true'", False),
    ("i = '7'", False), ("i <> '7'", True),
])
def test_comparison(cond, expected):
    assert value(cond, DOC) is expected


@pytest.mark.parametrize("cond", ["missing = 1", "missing <> 1", "1 = missing", "s > 1", "t < 1", "z > 1",
                                  "arr > 1", "missing < 3"])
def test_comparison_undefined(cond):
    assert value(cond, DOC) is ...
    assert not where(cond, DOC)


# -- logic -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr, expected", [
    ("true AND true", True), ("true AND false", False), ("false OR true", True), ("false OR false", False),
    ("'TRUE' AND true", True), ("'false' OR 'False'", False), ("NOT 'false'", True), ("NOT false", True),
])
def test_logic(expr, expected):
    assert value(expr, DOC) is expected


@pytest.mark.parametrize("expr", ["true AND missing", "missing OR true", "1 AND true", "'yes' OR true",
                                  "NOT missing", "NOT 1", "z AND true"])
def test_logic_undefined(expr):
    assert value(expr, DOC) is ...


def test_where_only_true_passes():
    assert where("true", DOC) and where("'true'", DOC)
    for cond in ("false", "1", "'yes'", "null", "missing", "arr", "NOT missing"):
        assert not where(cond, DOC)


# -- IN / IS -----------------------------------------------------------------------------------------------------------
def test_in():
    assert where("s IN ('x', 'abc')", DOC)
    assert not where("s IN ('x', 'y')", DOC)
    assert where("i IN (1, 7.0)", DOC)          # numeric equality across Int/Decimal
    assert where("2 IN arr", DOC)               # IN an array value
    assert where("'v' IN ['u', 'v']", DOC)
    assert where("s NOT IN ('x', 'y')", DOC)
    assert not where("s NOT IN ('abc')", DOC)
    assert value("missing IN (1, 2)", DOC) is ...
    assert value("1 IN s", DOC) is ...          # not an array
    assert value("missing NOT IN (1, 2)", DOC) is ...


def test_is_null_and_undefined():
    assert where("z IS NULL", DOC)
    assert not where("missing IS NULL", DOC)     # a missing key is Undefined, not Null
    assert where("i IS NOT NULL", DOC)
    assert not where("z IS NOT NULL", DOC)
    assert not where("missing IS NOT NULL", DOC)
    assert where("missing IS UNDEFINED", DOC)
    assert not where("z IS UNDEFINED", DOC)
    assert where("z IS NOT UNDEFINED", DOC)
    assert where("i + missing IS UNDEFINED", DOC)


# -- CASE --------------------------------------------------------------------------------------------------------------
def test_case_simple_form():
    sql = "CASE s WHEN 'x' THEN 1 WHEN 'abc' THEN 2 WHEN 'abc' THEN 3 ELSE 4 END"
    assert value(sql, DOC) == 2                 # the first match wins
    assert value("CASE i WHEN 7.0 THEN 'seven' END", DOC) == "seven"
    assert value("CASE s WHEN 'x' THEN 1 ELSE 'other' END", DOC) == "other"
    assert value("CASE s WHEN 'x' THEN 1 END", DOC) is ...            # no match, no ELSE
    assert value("CASE missing WHEN 1 THEN 1 ELSE 2 END", DOC) is ...  # Undefined subject


def test_case_searched_form():
    sql = "CASE WHEN i > 10 THEN 'high' WHEN i > 5 THEN 'mid' ELSE 'low' END"
    assert value(sql, DOC) == "mid"
    assert value(sql, {"i": 1}) == "low"
    assert value(sql, {}) == "low"               # Undefined conditions are not true
    assert value("CASE WHEN missing THEN 1 END", DOC) is ...


def test_case_nested_in_expression():
    assert value("1 + CASE WHEN t THEN 10 ELSE 20 END * 2", DOC) == 21


# -- functions ---------------------------------------------------------------------------------------------------------
def test_topic():
    assert value("topic()") == TOPIC
    assert value("topic(1)") == "things" and value("topic(3)") == "telemetry"
    assert value("topic(2.9)") == "dev-1"       # a Decimal segment number is truncated
    assert value("topic('2')") == "dev-1"
    assert value("topic(0)") is ... and value("topic(4)") is ... and value("topic('x')") is ...


def test_clientid_timestamp_newuuid():
    assert value("clientid()") == "dev-1"
    assert value("clientid()", client_id=None) == "n/a"     # AWS: not sent over MQTT
    assert value("timestamp()") == NOW_MS
    assert value("newuuid()") == "uuid-1"


def test_newuuid_default_is_random():
    from overcast.realtime.sql import parse

    st = parse("SELECT newuuid() AS a, newuuid() AS b FROM '#'")
    out = st.evaluate(b"{}", topic="t", client_id="c", now_ms=1)
    assert len(out["a"]) == 36 and out["a"] != out["b"]


@pytest.mark.parametrize("expr, expected", [
    ("lower('HeLLo')", "hello"), ("upper(s)", "ABC"), ("lower(['HELLO'])", '["hello"]'), ("upper(t)", "TRUE"),
    ("upper(12)", "12"), ("LOWER('X')", "x"),
    ("concat('con', 'cat')", "concat"), ("concat(1, 'hello')", "1hello"), ("concat('he', 'is', 'man')", "heisman"),
    ("concat([1, 2, 3], 4)", [1, 2, 3, 4]), ("concat([1, 2, 3], 'hello')", [1, 2, 3, "hello"]),
    ("concat([1, 2, 3], 'hello', [4, 5, 6])", [1, 2, 3, "hello", 4, 5, 6]), ("concat(1)", "1"),
    ("concat(arr)", [1, 2, 3]), ("concat(s, i)", "abc7"),
    ("abs(-5)", 5), ("abs(-5.5)", 5.5), ("abs('-5.123')", 5.123), ("abs(i)", 7),
    ("round(1.2)", 1), ("round(1.5)", 2), ("round(1.7)", 2), ("round(-1.1)", -1), ("round(-1.5)", -2),
    ("round(3)", 3), ("round('2.5')", 3), ("Round(d)", 3),
    ("isUndefined(missing)", True), ("isUndefined(z)", False), ("isNull(z)", True), ("isNull(missing)", False),
])
def test_functions(expr, expected):
    assert value(expr, DOC) == expected


@pytest.mark.parametrize("expr", [
    "lower(missing)", "upper(z)", "concat()", "concat(s, missing)", "concat(s, z)", "abs(t)", "abs('x')",
    "abs(arr)", "abs(z)", "round(t)", "round('x')", "round(missing)",
])
def test_functions_undefined(expr):
    assert value(expr, DOC) is ...


def test_encode():
    assert value("encode(s, 'base64')", DOC) == base64.b64encode(b"abc").decode()
    assert value("encode(i, 'BASE64')", DOC) == base64.b64encode(b"7").decode()
    assert value("encode(obj, 'base64')", DOC) == base64.b64encode(b'{"k":"v"}').decode()
    assert value("encode(missing, 'base64')", DOC) is ...
    raw = b'{"i": 7}'
    assert run("SELECT encode(*, 'base64') AS b FROM '#'", raw) == {"b": base64.b64encode(raw).decode()}


# -- result shape ------------------------------------------------------------------------------------------------------
def test_undefined_items_are_omitted():
    assert run("SELECT i, missing, i + missing AS bad, z FROM '#'", DOC) == {"i": 7, "z": None}
    assert run("SELECT missing FROM '#'", DOC) == {}


def test_nested_fields_keep_their_leaf_name():
    doc = {"a": {"b": {"c": 1}}, "arr": [{"x": 1}, {"x": 2}]}
    assert run("SELECT a.b FROM '#'", doc) == {"b": {"c": 1}}
    assert run("SELECT a.b.c FROM '#'", doc) == {"c": 1}
    assert run("SELECT arr[1] FROM '#'", doc) == {"arr": {"x": 2}}
    assert run("SELECT arr[1].x FROM '#'", doc) == {"x": 2}


def test_unaliased_expressions():
    out = run("SELECT i + 1, 'lit', topic(1), upper(s) FROM '#'", DOC)
    assert out == {"_1": 8, "_2": "lit", "topic": "things", "upper": "ABC"}


def test_aliases_and_dotted_alias():
    assert run("SELECT s AS name, i AS reading.value, d AS reading.unit FROM '#'", DOC) == {
        "name": "abc", "reading": {"value": 7, "unit": 2.5}}


def test_star_merges_document_and_adds_items():
    out = run("SELECT *, topic() AS t, i * 2 AS i FROM '#'", {"i": 1, "x": {"y": [1]}})
    assert out == {"i": 2, "x": {"y": [1]}, "t": TOPIC}     # a later item overrides a key of *


def test_star_keeps_payload_types():
    payload = {"f": 54.98, "w": 10.0, "big": 12345678901234567890, "nested": {"l": [1.5, None, True]}}
    assert run("SELECT * FROM '#'", payload) == {"f": 54.98, "w": 10, "big": 12345678901234567890,
                                                  "nested": {"l": [1.5, None, True]}}


def test_where_false_gives_none():
    assert run("SELECT * FROM '#' WHERE i > 100", DOC) is None
    assert run("SELECT * FROM '#' WHERE i > 1", DOC) == DOC


def test_array_and_object_literals_drop_undefined():
    assert value("[i, missing, s]", DOC) == [7, "abc"]
    assert value("{'a': i, 'b': missing}", DOC) == {"a": 7}


def test_indexing_edge_cases():
    assert value("arr[-1]", DOC) is ...
    assert value("arr[3]", DOC) is ...
    assert value("arr['0']", DOC) is ...
    assert value("arr[1.5]", DOC) is ...
    assert value("arr[1.0]", DOC) == 2
    assert value("s[0]", DOC) is ...
    assert value("obj.k.deeper", DOC) is ...
    assert value("missing.x", DOC) is ...
