import base64
import re
import time

import pytest

from overcast.gateway.events import (
    api_id_for,
    build_http_event,
    format_request_time,
    new_request_id,
)

# Top-level key order of AWS's payload format 2.0 sample (http-api-v2.json).
AWS_KEY_ORDER = [
    "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
    "queryStringParameters", "requestContext", "body", "pathParameters",
    "isBase64Encoded", "stageVariables",
]
AWS_CONTEXT_ORDER = [
    "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId",
    "routeKey", "stage", "time", "timeEpoch",
]

# The captured AWS example (reduced: no mTLS / authorizer parts). The sample's
# timeEpoch (1583348638390, 4 Mar) disagrees with its time (12 Mar); this copy
# uses the epoch of the time shown.
AWS_SAMPLE = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/my/path",
    "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
    "cookies": ["cookie1", "cookie2"],
    "headers": {"header1": "value1", "header2": "value1,value2"},
    "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "api-id",
        "domainName": "id.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "id",
        "http": {
            "method": "POST",
            "path": "/my/path",
            "protocol": "HTTP/1.1",
            "sourceIp": "192.168.0.1/32",
            "userAgent": "agent",
        },
        "requestId": "id",
        "routeKey": "$default",
        "stage": "$default",
        "time": "12/Mar/2020:19:03:58 +0000",
        "timeEpoch": 1584039838390,
    },
    "body": '{"message": "hello world", "username": "tom"}',
    "pathParameters": {"parameter1": "value1"},
    "isBase64Encoded": False,
    "stageVariables": {"stageVariable1": "value1", "stageVariable2": "value2"},
}


def build(**over):
    args = dict(
        method="GET",
        raw_path="/",
        raw_query="",
        headers=[(b"host", b"abc.example.com")],
        body=b"",
        source_ip="10.0.0.1",
        protocol="HTTP/1.1",
        route_key="$default",
        path_parameters=None,
        stage="$default",
        api_id="api",
        account_id="000000000000",
        request_id="rid",
        time_epoch_ms=1584039838390,
        stage_variables=None,
    )
    args.update(over)
    return build_http_event(**args)


def sample_event():
    return build(
        method="POST",
        raw_path="/my/path",
        raw_query="parameter1=value1&parameter1=value2&parameter2=value",
        headers=[
            (b"Host", b"id.execute-api.us-east-1.amazonaws.com"),
            (b"Header1", b"value1"),
            (b"header2", b"value1"),
            (b"Cookie", b"cookie1"),
            (b"HEADER2", b"value2"),
            (b"cookie", b"cookie2"),
            (b"User-Agent", b"agent"),
            (b"Content-Type", b"application/json"),
        ],
        body=b'{"message": "hello world", "username": "tom"}',
        source_ip="192.168.0.1/32",
        route_key="$default",
        path_parameters={"parameter1": "value1"},
        stage="$default",
        api_id="api-id",
        account_id="123456789012",
        request_id="id",
        stage_variables={"stageVariable1": "value1", "stageVariable2": "value2"},
    )


def test_matches_the_aws_sample_field_by_field():
    event = sample_event()
    extra_headers = {"host": "id.execute-api.us-east-1.amazonaws.com", "user-agent": "agent",
                     "content-type": "application/json"}
    for key, expected in AWS_SAMPLE.items():
        if key == "headers":
            assert event["headers"] == {**expected, **extra_headers}
        elif key == "requestContext":
            for ckey, cexpected in expected.items():
                assert event["requestContext"][ckey] == cexpected, ckey
        else:
            assert event[key] == expected, key
    assert set(event) == set(AWS_SAMPLE)


def test_key_order_is_the_aws_order():
    event = sample_event()
    assert list(event) == AWS_KEY_ORDER
    assert list(event["requestContext"]) == AWS_CONTEXT_ORDER
    assert list(event["requestContext"]["http"]) == ["method", "path", "protocol", "sourceIp", "userAgent"]


def test_absent_parts_are_omitted_not_null():
    event = build(headers=[])
    assert list(event) == ["version", "routeKey", "rawPath", "rawQueryString", "headers",
                           "requestContext", "isBase64Encoded"]
    assert event["rawQueryString"] == ""
    assert event["headers"] == {}
    assert event["isBase64Encoded"] is False
    assert build(path_parameters={}, stage_variables={}, raw_query="&").keys() == event.keys()


def test_cookie_headers_are_split_trimmed_and_removed_from_headers():
    event = build(headers=[(b"cookie", b"a=1; b=2 ;c=3"), (b"Cookie", b" d=4;;")])
    assert event["cookies"] == ["a=1", "b=2", "c=3", "d=4"]
    assert "cookie" not in event["headers"]


def test_query_string_parameters():
    event = build(raw_query="a=1&b=x%20y&a=2&flag&c=1+2&d=&%C3%A9=%C3%BC&e=a%26b%3Dc")
    assert event["rawQueryString"] == "a=1&b=x%20y&a=2&flag&c=1+2&d=&%C3%A9=%C3%BC&e=a%26b%3Dc"
    assert event["queryStringParameters"] == {
        "a": "1,2", "b": "x y", "flag": "", "c": "1+2", "d": "", "é": "ü", "e": "a&b=c",
    }


def test_raw_path_stays_encoded():
    event = build(raw_path="/a%20b/c", path_parameters={"x": "a b"})
    assert event["rawPath"] == "/a%20b/c"
    assert event["requestContext"]["http"]["path"] == "/a%20b/c"
    assert event["pathParameters"] == {"x": "a b"}


def test_domain_name_and_prefix():
    ctx = build(headers=[(b"host", b"api.example.com:8080")])["requestContext"]
    assert (ctx["domainName"], ctx["domainPrefix"]) == ("api.example.com", "api")
    ctx = build(headers=[])["requestContext"]
    assert (ctx["domainName"], ctx["domainPrefix"]) == ("localhost", "localhost")
    ctx = build(headers=[(b"host", b"[::1]:8080")])["requestContext"]
    assert ctx["domainName"] == "[::1]"


def test_user_agent_defaults_to_empty():
    assert build(headers=[])["requestContext"]["http"]["userAgent"] == ""


@pytest.mark.parametrize("content_type", [
    "text/plain", "text/html; charset=utf-8", "application/json", "Application/JSON; charset=UTF-8",
    "application/vnd.api+json", "application/xml", "image/svg+xml", "application/javascript",
    "application/graphql",
])
def test_text_like_bodies_are_text(content_type):
    event = build(headers=[(b"content-type", content_type.encode())], body="héllo".encode())
    assert event["body"] == "héllo"
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/octet-stream", "image/png", "application/pdf",
])
def test_other_bodies_are_base64(content_type):
    body = b"a=1&b=2"
    event = build(headers=[(b"content-type", content_type.encode())], body=body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_body_without_content_type():
    event = build(body=b"plain words")
    assert (event["body"], event["isBase64Encoded"]) == ("plain words", False)
    event = build(body=b"\xff\xfe\x00binary")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe\x00binary"


def test_invalid_utf8_with_text_type_is_base64():
    event = build(headers=[(b"content-type", b"text/plain")], body=b"\xc3\x28")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xc3\x28"


def test_empty_body_is_omitted_even_for_binary_types():
    event = build(headers=[(b"content-type", b"image/png")], body=b"")
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_time_format():
    assert format_request_time(1584039838390) == "12/Mar/2020:19:03:58 +0000"
    assert format_request_time(0) == "01/Jan/1970:00:00:00 +0000"
    assert format_request_time(1704067199999) == "31/Dec/2023:23:59:59 +0000"
    event = build(time_epoch_ms=1717243200123)
    assert event["requestContext"]["time"] == "01/Jun/2024:12:00:00 +0000"
    assert event["requestContext"]["timeEpoch"] == 1717243200123


def test_time_format_ignores_locale(monkeypatch):
    # month names come from a fixed English table, never from strftime/locale
    def no_strftime(*args):
        raise AssertionError("locale-dependent strftime used")

    monkeypatch.setattr(time, "strftime", no_strftime)
    month = 86400_000 * 31
    names = [format_request_time(1577880000000 + i * month).split("/")[1] for i in range(12)]
    assert names == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_header_values_utf8_and_latin1():
    event = build(headers=[(b"x-a", "é".encode()), (b"x-b", b"\xe9")])
    assert event["headers"]["x-a"] == "é"
    assert event["headers"]["x-b"] == "é"


def test_new_request_id_shape_and_uniqueness():
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    for rid in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{15}=", rid)


def test_api_id_for_is_stable_lowercase_alnum():
    a = api_id_for("orders")
    assert re.fullmatch(r"[a-z0-9]{10}", a)
    assert a == api_id_for("orders") == "gliby195pk"  # must never change between releases
    assert a != api_id_for("orders2")
