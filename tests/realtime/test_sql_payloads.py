"""Payload handling (JSON, empty, binary) and full rules from AWS's documentation with their documented outputs."""

from __future__ import annotations

import base64
import json

import pytest

from overcast.realtime.sql import PayloadError, parse
from tests.realtime.helpers import NOW_MS, run

CTX = {"topic": "a/b", "client_id": "dev-1", "now_ms": 1_481_825_251_152}  # 1481825251152 % 12 == 0
BINARY = b"\x00\x9f\xffnot json"


# -- AWS documentation examples (SELECT clause, Case statements, Literals, Functions) ----------------------------------
COLOR = {"color": "red", "temperature": 50}
AWS_EXAMPLES = [
    ("SELECT * FROM 'a/b'", COLOR, {"color": "red", "temperature": 50}),
    ("SELECT color FROM 'a/b'", COLOR, {"color": "red"}),
    ("SELECT color AS my_color FROM 'a/b'", COLOR, {"my_color": "red"}),
    ("SELECT color as my_color, temperature as fahrenheit FROM 'a/b'", COLOR, {"my_color": "red", "fahrenheit": 50}),
    ("SELECT *, 15 as speed FROM 'a/b'", COLOR, {"color": "red", "temperature": 50, "speed": 15}),
    ("SELECT color.red as red_value FROM 'a/b'", {"color": {"red": 255, "green": 0, "blue": 0}, "temperature": 50},
     {"red_value": 255}),
    ("SELECT (temperature - 32) * 5 / 9 AS celsius, upper(color) as my_color FROM 'a/b'", COLOR,
     {"celsius": 10, "my_color": "RED"}),
    ("SELECT CASE color WHEN 'green' THEN 'go' WHEN 'yellow' THEN 'caution' WHEN 'red' THEN 'stop' "
     "ELSE 'you are not at a stop light' END as instructions FROM 'a/b'", {"color": "yellow"},
     {"instructions": "caution"}),
    ("SELECT [lat,long] as lat_long FROM 'a/b'", {"lat": 47.696, "long": -122.332}, {"lat_long": [47.696, -122.332]}),
    ("SELECT NULL AS n FROM 'a/b'", COLOR, {"n": None}),
    ("SELECT * FROM 'a/b' WHERE temperature > 40 AND color = 'red'", COLOR, COLOR),
    ("SELECT * FROM 'a/b' WHERE temperature > 60", COLOR, None),
]


@pytest.mark.parametrize("sql, payload, expected", AWS_EXAMPLES, ids=[e[0][:60] for e in AWS_EXAMPLES])
def test_aws_documented_examples(sql, payload, expected):
    assert parse(sql).evaluate(json.dumps(payload).encode(), **CTX) == expected


def test_aws_topic_function_example():
    st = parse("SELECT topic() AS t, topic(1) AS first FROM 'things/+/+'")
    out = st.evaluate(b"{}", topic="things/myThings/thingOne", client_id="c", now_ms=NOW_MS)
    assert out == {"t": "things/myThings/thingOne", "first": "things"}


# -- binary payloads (AWS "Working with binary payloads") --------------------------------------------------------------
def test_select_star_of_binary_passes_raw_bytes_through():
    st = parse("SELECT * FROM 'a/b'")
    assert st.evaluate_payload(BINARY, **CTX) == BINARY
    with pytest.raises(PayloadError, match="not a JSON object; SELECT \\* passes it through as raw bytes.*"
                                           "encode\\(\\*, 'base64'\\)") as info:
        st.evaluate(BINARY, **CTX)
    assert info.value.code == "rules.payload" and info.value.http_status == 400


def test_binary_with_a_where_clause_that_names_no_field():
    st = parse("SELECT * FROM 'a/b' WHERE timestamp() % 12 = 0")
    assert st.evaluate_payload(BINARY, **CTX) == BINARY
    assert st.evaluate_payload(BINARY, **{**CTX, "now_ms": 1}) is None


def test_binary_encoded_with_functions():
    st = parse("SELECT encode(*, 'base64') AS data, timestamp() AS ts FROM 'a/b'")
    assert st.evaluate(BINARY, **CTX) == {"data": base64.b64encode(BINARY).decode(), "ts": CTX["now_ms"]}


def test_binary_cannot_be_read_by_field():
    st = parse("SELECT * FROM 'a/b' WHERE device_type = 'thermostat'")
    with pytest.raises(PayloadError, match="not a JSON object, so field 'device_type' cannot be read"):
        st.evaluate(BINARY, **CTX)
    with pytest.raises(PayloadError):
        st.evaluate_payload(BINARY, **CTX)


def test_binary_cannot_be_combined_with_other_items():
    st = parse("SELECT *, timestamp() AS timestamp FROM 'a/b'")
    with pytest.raises(PayloadError, match="\\* cannot be combined with other items"):
        st.evaluate(BINARY, **CTX)


@pytest.mark.parametrize("payload", [b"plain text", b"[1, 2]", b"42", b'"a string"', b"{broken", b"\xff\xfe",
                                     b"NaN", b'{"x": NaN}'])
def test_payloads_that_are_not_json_objects_are_binary(payload):
    assert parse("SELECT * FROM '#'").evaluate_payload(payload, **CTX) == payload
    with pytest.raises(PayloadError):
        parse("SELECT x FROM '#'").evaluate(payload, **CTX)


def test_empty_payload_is_an_empty_document():
    assert run("SELECT *, timestamp() AS ts FROM '#'", b"") == {"ts": NOW_MS}
    assert run("SELECT * FROM '#' WHERE missing IS UNDEFINED", b"  ") == {}


def test_evaluate_payload_serializes_json():
    st = parse("SELECT *, 1.5 AS x FROM '#'")
    out = st.evaluate_payload(b'{"a": "\xc3\xa9", "n": 0.1}', **CTX)
    assert json.loads(out) == {"a": "\u00e9", "n": 0.1, "x": 1.5}
    assert parse("SELECT * FROM '#' WHERE false").evaluate_payload(b"{}", **CTX) is None


def test_statement_is_reusable_and_accepts_bytearray():
    st = parse("SELECT v * 2 AS w FROM '#'")
    assert st.evaluate(bytearray(b'{"v": 2}'), **CTX) == {"w": 4}
    assert st.evaluate(b'{"v": 3}', **CTX) == {"w": 6}


def test_decimal_precision_is_34_digits():
    assert run("SELECT 1.000000000000000000000000000000001 - 1 AS d FROM '#'") == {"d": 1e-33}  # 34 digits
    assert run("SELECT 1.0000000000000000000000000000000001 - 1 AS d FROM '#'") == {"d": 0}  # 35th digit rounded
    assert run("SELECT big + 1 AS b FROM '#'", {"big": 10**30}) == {"b": 10**30 + 1}
