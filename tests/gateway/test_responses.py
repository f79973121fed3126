import base64

import orjson
import pytest

from overcast.gateway.responses import (
    HttpResponse,
    error_response,
    gateway_timeout,
    internal_error,
    map_function_result,
    not_found,
    payload_too_large,
    service_unavailable,
    too_many_requests,
)

JSON = (b"content-type", b"application/json")
TEXT = (b"content-type", b"text/plain; charset=utf-8")
ISE = b'{"message":"Internal Server Error"}'


def result(obj):
    return map_function_result(orjson.dumps(obj))


def assert_502(resp):
    assert (resp.status, resp.headers, resp.body) == (502, [JSON], ISE)
    assert resp.reason  # the cause, for the caller's log
    assert resp.reason.encode() not in resp.body


def test_structured_response():
    resp = result({"statusCode": 201, "headers": {"Content-Type": "text/html", "X-Id": "7"},
                   "body": "<p>hi</p>"})
    assert resp == HttpResponse(201, [(b"content-type", b"text/html"), (b"x-id", b"7")], b"<p>hi</p>")
    assert resp.reason is None


def test_structured_without_content_type_is_text_plain():
    resp = result({"statusCode": 200, "body": "hello"})
    assert (resp.status, resp.headers, resp.body) == (200, [TEXT], b"hello")


def test_missing_or_null_body_is_empty():
    assert result({"statusCode": 204}).body == b""
    assert result({"statusCode": 204, "body": None}).body == b""


def test_body_is_utf8():
    assert result({"statusCode": 200, "body": "héllo ✓"}).body == "héllo ✓".encode()


def test_header_values_are_stringified():
    resp = result({"statusCode": 200, "headers": {"x-n": 5, "x-f": 1.5, "x-t": True, "x-no": False,
                                                  "content-type": "text/plain"}})
    assert resp.headers[:4] == [(b"x-n", b"5"), (b"x-f", b"1.5"), (b"x-t", b"true"), (b"x-no", b"false")]


def test_cookies_become_one_set_cookie_each():
    resp = result({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"], "body": ""})
    assert resp.headers == [(b"set-cookie", b"a=1; Path=/"), (b"set-cookie", b"b=2; HttpOnly"), TEXT]


def test_multi_value_headers():
    resp = result({
        "statusCode": 200,
        "headers": {"X-Single": "s", "X-Both": "a"},
        "multiValueHeaders": {"X-Multi": ["1", "2"], "X-Both": ["a", "b"], "Content-Type": ["text/csv"]},
    })
    assert resp.headers == [
        (b"x-single", b"s"), (b"x-both", b"a"),
        (b"x-multi", b"1"), (b"x-multi", b"2"), (b"x-both", b"b"), (b"content-type", b"text/csv"),
    ]


def test_base64_body_is_decoded():
    raw = bytes(range(256))
    resp = result({"statusCode": 200, "headers": {"content-type": "image/png"},
                   "body": base64.b64encode(raw).decode(), "isBase64Encoded": True})
    assert resp.body == raw
    assert resp.headers == [(b"content-type", b"image/png")]


def test_is_base64_false_keeps_body_as_text():
    assert result({"statusCode": 200, "body": "aGk=", "isBase64Encoded": False}).body == b"aGk="


def test_framing_headers_are_not_passed_on():
    resp = result({"statusCode": 200, "body": "abc",
                   "headers": {"Content-Length": "999", "Transfer-Encoding": "chunked", "x-a": "1"}})
    assert resp.headers == [(b"x-a", b"1"), TEXT]
    assert all(name != b"content-length" for name, _ in resp.headers)


@pytest.mark.parametrize("payload", [
    b'{"message":"hi"}', b'[1, 2, 3]', b'"just a string"', b"42", b"3.5", b"true", b"false", b"null",
    b'  {"a": 1}\n', b'{"StatusCode": 200}',
])
def test_other_json_is_sent_as_is(payload):
    resp = map_function_result(payload)
    assert resp == HttpResponse(200, [JSON], payload)


@pytest.mark.parametrize("obj", [
    {"statusCode": "200"},
    {"statusCode": 200.0},
    {"statusCode": True},
    {"statusCode": None},
    {"statusCode": 42},
    {"statusCode": 600},
    {"statusCode": 200, "headers": ["a"]},
    {"statusCode": 200, "headers": "x"},
    {"statusCode": 200, "headers": {"x-a": {"nested": 1}}},
    {"statusCode": 200, "headers": {"x-a": ["1"]}},
    {"statusCode": 200, "headers": {"x-a": None}},
    {"statusCode": 200, "headers": {"bad name": "1"}},
    {"statusCode": 200, "headers": {"x-a": "1\r\nx-injected: 1"}},
    {"statusCode": 200, "multiValueHeaders": {"x-a": "1"}},
    {"statusCode": 200, "multiValueHeaders": []},
    {"statusCode": 200, "cookies": "a=1"},
    {"statusCode": 200, "cookies": [1]},
    {"statusCode": 200, "body": {"a": 1}},
    {"statusCode": 200, "body": 5},
    {"statusCode": 200, "body": "!!!not base64", "isBase64Encoded": True},
    {"statusCode": 200, "body": "aGk", "isBase64Encoded": True},
    {"statusCode": 200, "body": "aGk=", "isBase64Encoded": "true"},
])
def test_invalid_shapes_are_502(obj):
    assert_502(result(obj))


@pytest.mark.parametrize("payload", [b"", b"not json", b"{'a': 1}", b"\xff\xfe"])
def test_non_json_is_502(payload):
    assert_502(map_function_result(payload))


def test_error_response():
    resp = error_response(429, "Too Many Requests", limit="throttle.rate", limitValue=100)
    assert resp.status == 429
    assert resp.headers == [JSON]
    assert orjson.loads(resp.body) == {"message": "Too Many Requests", "limit": "throttle.rate",
                                       "limitValue": 100}
    assert list(orjson.loads(resp.body)) == ["message", "limit", "limitValue"]


def test_standard_answers():
    assert not_found() == HttpResponse(404, [JSON], b'{"message":"Not Found"}')
    assert internal_error() == HttpResponse(502, [JSON], ISE)
    assert internal_error("boom").reason == "boom"
    assert gateway_timeout() == HttpResponse(504, [JSON], b'{"message":"Gateway Timeout"}')
    assert service_unavailable() == HttpResponse(503, [JSON], b'{"message":"Service Unavailable"}')
    resp = too_many_requests("lambda.account_concurrency", 50)
    assert (resp.status, orjson.loads(resp.body)) == (
        429, {"message": "Too Many Requests", "limit": "lambda.account_concurrency", "limitValue": 50})
    resp = payload_too_large("lambda.sync_request_payload", 6291456)
    assert (resp.status, orjson.loads(resp.body)) == (
        413, {"message": "Request Entity Too Large", "limit": "lambda.sync_request_payload", "limitValue": 6291456})


def test_standard_answers_are_fresh_objects():
    a = not_found()
    a.headers.append((b"x-request-id", b"1"))
    assert not_found().headers == [JSON]
