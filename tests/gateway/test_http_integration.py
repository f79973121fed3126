"""The gateway over real HTTP: event fields, response rules, status codes, throttling."""

from __future__ import annotations

import base64
import concurrent.futures as cf
import json
import time

import httpx


def test_event_fields_as_api_gateway_v2_sends_them(core):
    headers = [("X-Custom", "one"), ("x-custom", "two"), ("Cookie", "a=1; b=2"), ("User-Agent", "tests/1.0"),
               ("Content-Type", "application/json")]
    with httpx.Client(base_url=core.url) as client:
        resp = client.post("/echo/some/deep%20path?x=1&x=2&flag&y=%C3%A9", headers=headers, content=b'{"k": 1}')
    assert resp.status_code == 200
    event = resp.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /echo/{proxy+}"
    assert event["rawPath"] == "/echo/some/deep%20path"
    assert event["rawQueryString"] == "x=1&x=2&flag&y=%C3%A9"
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "one,two"
    assert event["headers"]["user-agent"] == "tests/1.0"
    assert event["queryStringParameters"] == {"x": "1,2", "flag": "", "y": "é"}
    assert event["pathParameters"] == {"proxy": "some/deep path"}
    assert event["body"] == '{"k": 1}'
    assert event["isBase64Encoded"] is False
    assert "stageVariables" not in event
    ctx = event["requestContext"]
    assert ctx["accountId"] == "000000000000"
    assert len(ctx["apiId"]) == 10
    assert ctx["domainName"] == "127.0.0.1"
    assert ctx["domainPrefix"] == "127"
    assert ctx["http"] == {"method": "POST", "path": "/echo/some/deep%20path", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "tests/1.0"}
    assert ctx["requestId"] == resp.headers["apigw-requestid"]
    assert ctx["routeKey"] == "ANY /echo/{proxy+}" and ctx["stage"] == "dev"
    assert abs(ctx["timeEpoch"] - time.time() * 1000) < 60_000
    assert time.strftime("%d/%b/%Y:", time.gmtime(ctx["timeEpoch"] / 1000)) in ctx["time"]
    assert list(event) == ["version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
                           "queryStringParameters", "requestContext", "body", "pathParameters", "isBase64Encoded"]


def test_absent_parts_are_omitted_and_binary_bodies_are_base64(core):
    plain = httpx.get(core.url + "/items/42").json()
    for key in ("cookies", "queryStringParameters", "body", "stageVariables"):
        assert key not in plain
    assert plain["pathParameters"] == {"id": "42"} and plain["routeKey"] == "GET /items/{id}"
    blob = bytes(range(256))
    binary = httpx.post(core.url + "/echo/bin", content=blob, headers={"content-type": "application/octet-stream"})
    event = binary.json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == blob


def test_route_precedence_falls_back_to_default(core):
    event = httpx.delete(core.url + "/nothing/here").json()
    assert event["routeKey"] == "$default"
    assert "pathParameters" not in event


def test_structured_response_is_used_as_given(core):
    result = {"statusCode": 201, "headers": {"X-Thing": "yes", "Content-Type": "text/csv"},
              "multiValueHeaders": {"X-Multi": ["a", "b"]}, "cookies": ["s=1; Path=/", "t=2"],
              "body": "a,b\n1,2\n"}
    # the respond handler answers json.loads(event["body"]): the function returns `result`
    resp = httpx.post(core.url + "/respond", content=json.dumps(result), headers={"content-type": "application/json"})
    assert resp.status_code == 201
    assert resp.headers["x-thing"] == "yes"
    assert resp.headers["content-type"] == "text/csv"
    assert resp.headers.get_list("x-multi") == ["a", "b"]
    assert resp.headers.get_list("set-cookie") == ["s=1; Path=/", "t=2"]
    assert resp.text == "a,b\n1,2\n"


def test_base64_response_body_is_decoded(core):
    data = bytes(range(200))
    result = {"statusCode": 200, "body": base64.b64encode(data).decode(), "isBase64Encoded": True,
              "headers": {"content-type": "image/png"}}
    resp = httpx.post(core.url + "/respond", content=json.dumps(result), headers={"content-type": "application/json"})
    assert resp.content == data and resp.headers["content-type"] == "image/png"


def test_plain_results_are_json_with_status_200(core):
    for result in ([1, 2, 3], "just text", 42, {"no": "statusCode"}):
        resp = httpx.post(core.url + "/respond", content=json.dumps(result),
                          headers={"content-type": "application/json"})
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/json"
        assert resp.json() == result


def test_invalid_structured_response_is_502_without_details(core):
    resp = httpx.post(core.url + "/respond", content=json.dumps({"statusCode": "two hundred"}),
                      headers={"content-type": "application/json"})
    assert resp.status_code == 502
    assert resp.json() == {"message": "Internal Server Error"}


def test_function_error_never_leaks_a_stack_trace(core):
    resp = httpx.get(core.url + "/fail")
    assert resp.status_code == 502
    assert resp.json() == {"message": "Internal Server Error"}
    assert "widget" not in resp.text and "Traceback" not in resp.text


def test_payload_over_the_sync_limit_is_413_naming_it(core):
    resp = httpx.post(core.url + "/echo/x", content=b"a" * (6 * 1024 * 1024 + 1),
                      headers={"content-type": "text/plain"})
    assert resp.status_code == 413
    assert resp.json() == {"message": "Request Entity Too Large", "limit": "lambda.sync_request_payload",
                           "limitValue": 6291456}
    # just under the body limit but over it once wrapped in the event: still a clear 413, not a 5xx
    resp = httpx.post(core.url + "/echo/x", content=b"\xff" * (5 * 1024 * 1024),
                      headers={"content-type": "application/octet-stream"})
    assert resp.status_code == 413


def test_beyond_concurrency_calls_are_throttled_not_queued(core):
    def call():
        started = time.monotonic()
        resp = httpx.get(core.url + "/slow", timeout=30)
        return resp, time.monotonic() - started

    with cf.ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda _: call(), range(5)))
    ok = [r for r, _ in results if r.status_code == 200]
    throttled = [(r, took) for r, took in results if r.status_code == 429]
    assert len(ok) == 2 and len(throttled) == 3
    assert len({r.json()["pid"] for r in ok}) == 2  # the pool grew to two environments
    for resp, took in throttled:
        assert resp.json() == {"message": "Too Many Requests", "limit": "lambda.function_concurrency",
                               "limitValue": 2}
        assert took < 1.5  # answered at once, not after waiting for a slot


def test_concurrency_zero_disables_a_function(core):
    resp = httpx.get(core.url + "/disabled")
    assert resp.status_code == 429
    out = core.invoke("disabled")
    assert out.returncode == 1
    assert json.loads(out.stdout)["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
