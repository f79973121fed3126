"""WebSocket API events, route selection, the API table and the stack-file rules (pure)."""

from __future__ import annotations

import base64

import orjson
import pytest
from pydantic import ValidationError

from overcast.gateway.connections import iso_ms, match_path
from overcast.gateway.wsapis import build_apis
from overcast.gateway.wsevents import (
    Origin,
    connect_event,
    disconnect_event,
    disconnect_reason,
    error_frame,
    message_event,
    select_route,
)
from overcast.spec.models import StackSpec
from overcast.spec.websocket import selection_path

# The AWS samples (websocket-connect/-message/-disconnect.json), as captured.
CTX = {"stage": "prod", "identity": {"sourceIp": "166.90.225.1"},
       "domainName": "asasasas.execute-api.us-east-1.amazonaws.com", "apiId": "asasasas"}
CONNECT_SAMPLE = {
    "headers": {"Host": "fjnq7njcv2.execute-api.us-east-1.amazonaws.com",
                "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
                "Sec-WebSocket-Key": "+W5xw47OHh3OTFsWKjGu9Q==", "Sec-WebSocket-Version": "13",
                "X-Amzn-Trace-Id": "Root=1-6731ebfc-08e1e656421db73c5d2eef31", "X-Forwarded-For": "166.90.225.1",
                "X-Forwarded-Port": "443", "X-Forwarded-Proto": "https"},
    "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "extendedRequestId": "BFHPhFe3IAMF95g=",
                       "requestTime": "11/Nov/2024:11:35:24 +0000", "messageDirection": "IN", "stage": "prod",
                       "connectedAt": 1731324924553, "requestTimeEpoch": 1731324924561,
                       "identity": {"sourceIp": "166.90.225.1"}, "requestId": "BFHPhFe3IAMF95g=",
                       "domainName": "asasasas.execute-api.us-east-1.amazonaws.com",
                       "connectionId": "BFHPhfCWIAMCKlQ=", "apiId": "asasasas"},
    "isBase64Encoded": False,
}
CONNECT_SAMPLE["multiValueHeaders"] = {k: [v] for k, v in CONNECT_SAMPLE["headers"].items()}
CONNECT_KEYS = ["headers", "multiValueHeaders", "requestContext", "isBase64Encoded"]
MESSAGE_SAMPLE = {
    "requestContext": {"routeKey": "chat", "messageId": "BFaVtfGSIAMCKug=", "eventType": "MESSAGE",
                       "extendedRequestId": "BFaVtH2HoAMFZEQ=", "requestTime": "11/Nov/2024:13:45:46 +0000",
                       "messageDirection": "IN", "stage": "prod", "connectedAt": 1731332735513,
                       "requestTimeEpoch": 1731332746514, "identity": {"sourceIp": "166.90.225.1"},
                       "requestId": "BFaVtH2HoAMFZEQ=", "domainName": "asasasas.execute-api.us-east-1.amazonaws.com",
                       "connectionId": "BFaT_fALIAMCKug=", "apiId": "asasasas"},
    "body": "{\"action\": \"chat\", \"message\": \"Hello from client\"}",
    "isBase64Encoded": False,
}
DISCONNECT_SAMPLE = {
    "headers": {"Host": "asasasas.execute-api.us-east-1.amazonaws.com", "x-api-key": "", "X-Forwarded-For": "",
                "x-restapi": ""},
    "multiValueHeaders": {"Host": ["asasasas.execute-api.us-east-1.amazonaws.com"], "x-api-key": [""],
                          "X-Forwarded-For": [""], "x-restapi": [""]},
    "requestContext": {"routeKey": "$disconnect", "disconnectStatusCode": 1005, "eventType": "DISCONNECT",
                       "extendedRequestId": "BFbOeE87IAMF31w=", "requestTime": "11/Nov/2024:13:51:49 +0000",
                       "messageDirection": "IN", "disconnectReason": "Client-side close frame status not set",
                       "stage": "prod", "connectedAt": 1731332735513, "requestTimeEpoch": 1731333109875,
                       "identity": {"sourceIp": "166.90.225.1"}, "requestId": "BFbOeE87IAMF31w=",
                       "domainName": "asasasas.execute-api.us-east-1.amazonaws.com",
                       "connectionId": "BFaT_fALIAMCKug=", "apiId": "asasasas"},
    "isBase64Encoded": False,
}


def _origin(sample: dict) -> Origin:
    ctx = sample["requestContext"]
    return Origin(ctx["connectionId"], ctx["connectedAt"], ctx["identity"]["sourceIp"], ctx["domainName"],
                  ctx["stage"], ctx["apiId"])


def _pairs(headers: dict) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def test_connect_event_matches_the_aws_sample_key_by_key():
    ctx = CONNECT_SAMPLE["requestContext"]
    event = connect_event(_origin(CONNECT_SAMPLE), headers=_pairs(CONNECT_SAMPLE["headers"]), raw_query="",
                          scheme="wss", server_port=443, request_id=ctx["requestId"], now_ms=ctx["requestTimeEpoch"])
    assert list(event) == CONNECT_KEYS
    assert list(event["requestContext"]) == list(ctx)
    assert event == CONNECT_SAMPLE


def test_connect_event_adds_forwarded_headers_and_the_query_string():
    origin = Origin("c1", 1000, "10.0.0.7", "127.0.0.1:8080", "dev", "abc")
    event = connect_event(origin, headers=[(b"Host", b"127.0.0.1:8080"), (b"X-Multi", b"a"), (b"X-Multi", b"b")],
                          raw_query="token=t1&x=1&x=2&sp=a%20b", scheme="ws", server_port=8080, request_id="r",
                          now_ms=2000)
    assert list(event) == ["headers", "multiValueHeaders", "queryStringParameters",
                           "multiValueQueryStringParameters", "requestContext", "isBase64Encoded"]
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.7"
    assert event["headers"]["X-Forwarded-Port"] == "8080"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Multi"] == "b" and event["multiValueHeaders"]["X-Multi"] == ["a", "b"]
    assert event["queryStringParameters"] == {"token": "t1", "x": "2", "sp": "a b"}
    assert event["multiValueQueryStringParameters"]["x"] == ["1", "2"]


def test_lower_cased_header_names_get_their_canonical_spelling():
    lowered = [(k.lower().encode(), v.encode()) for k, v in CONNECT_SAMPLE["headers"].items()]
    ctx = CONNECT_SAMPLE["requestContext"]
    event = connect_event(_origin(CONNECT_SAMPLE), headers=lowered, raw_query="", scheme="wss", server_port=443,
                          request_id=ctx["requestId"], now_ms=ctx["requestTimeEpoch"])
    assert event["headers"] == CONNECT_SAMPLE["headers"]


def test_message_event_matches_the_aws_sample_key_by_key():
    ctx = MESSAGE_SAMPLE["requestContext"]
    event = message_event(_origin(MESSAGE_SAMPLE), "chat", MESSAGE_SAMPLE["body"], message_id=ctx["messageId"],
                          request_id=ctx["requestId"], now_ms=ctx["requestTimeEpoch"])
    ctx_copy = dict(event["requestContext"], extendedRequestId=ctx["extendedRequestId"])
    assert list(event) == list(MESSAGE_SAMPLE)
    assert list(event["requestContext"]) == list(ctx)
    assert dict(event, requestContext=ctx_copy) == MESSAGE_SAMPLE


def test_binary_message_is_base64_encoded():
    event = message_event(Origin("c", 1, "ip", "d", "dev", "a"), "$default", b"\x00\xff", message_id="m",
                          request_id="r", now_ms=5)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_disconnect_event_matches_the_aws_sample_key_by_key():
    ctx = DISCONNECT_SAMPLE["requestContext"]
    origin = _origin(DISCONNECT_SAMPLE)
    event = disconnect_event(origin, status_code=1005, reason=disconnect_reason(1005),
                             request_id=ctx["requestId"], now_ms=ctx["requestTimeEpoch"])
    assert list(event) == list(DISCONNECT_SAMPLE)
    assert list(event["requestContext"]) == list(ctx)
    assert event == DISCONNECT_SAMPLE
    assert disconnect_reason(1000, "Goodbye") == "Goodbye"


ROUTES = {"$connect": 1, "chat": 2, "$default": 3}


@pytest.mark.parametrize("data, expected", [
    ('{"action": "chat"}', "chat"),
    ('{"action": "nope"}', "$default"),
    ('{"other": "chat"}', "$default"),
    ('{"action": "$connect"}', "$default"),  # a message never reaches a predefined route by name
    ('{"action": 3}', "$default"),
    ("not json", "$default"),
    ('["chat"]', "$default"),
    (b'{"action": "chat"}', "$default"),  # binary frames are not parsed
])
def test_route_selection(data, expected):
    assert select_route(data, ("action",), ROUTES) == expected


def test_route_selection_nested_and_without_default():
    assert select_route('{"m": {"kind": "chat"}}', selection_path("$request.body.m.kind"), ROUTES) == "chat"
    assert select_route('{"action": "x"}', ("action",), {"chat": 1}) is None
    frame = orjson.loads(error_frame("Forbidden", "cid", "rid"))
    assert frame == {"message": "Forbidden", "connectionId": "cid", "requestId": "rid"}


def test_management_paths_and_timestamps():
    assert match_path("/@connections/abc=") == (None, "abc=")
    assert match_path("/dev/@connections/abc") == ("dev", "abc")
    assert match_path("/dev/x/@connections/abc") is None
    assert match_path("/@connections/") is None
    assert iso_ms(1731324924553) == "2024-11-11T11:35:24.553Z"


def _state(stage, stack, functions, websocket=None):
    spec = StackSpec.model_validate({"stack": stack, "functions": functions,
                                     **({"websocket": websocket} if websocket else {})})
    return {"stage": stage, "spec": spec.model_dump(mode="json")}


def test_api_table_mounts_stage_paths_and_the_default_stage_at_the_root():
    states = {
        ("dev", "chat"): _state("dev", "chat", {"c": {"handler": "app.c", "websocket": ["$connect", "say"]}}),
        ("prod", "chat"): _state("prod", "chat", {"c": {"handler": "app.c", "websocket": ["say"]}},
                                 {"path": "/live/socket", "routeSelectionExpression": "$request.body.m.kind"}),
        ("dev", "plain"): _state("dev", "plain", {"h": {"handler": "app.h", "routes": ["GET /"]}}),
    }
    apis = build_apis(states, "dev")
    assert sorted(apis) == ["/dev/ws", "/prod/live/socket", "/ws"]
    assert apis["/ws"] is apis["/dev/ws"]
    assert apis["/ws"].routes["say"].subject == "overcast.invoke.dev.chat.c.latest"
    assert apis["/prod/live/socket"].selection == ("m", "kind")
    assert apis["/ws"].principal == "dev.chat"


def test_stack_file_rules():
    spec = StackSpec.model_validate({"stack": "s", "functions": {"a": {"handler": "app.a", "websocket": ["$default"]}}})
    assert spec.websocket is None and spec.functions["a"].websocket == ["$default"]
    with pytest.raises(ValidationError, match="already used by function 'a'"):
        StackSpec.model_validate({"stack": "s", "functions": {"a": {"handler": "app.a", "websocket": ["x"]},
                                                              "b": {"handler": "app.b", "websocket": ["x"]}}})
    with pytest.raises(ValidationError, match="must be \\$connect"):
        StackSpec.model_validate({"stack": "s", "functions": {"a": {"handler": "app.a", "websocket": ["$other"]}}})
    with pytest.raises(ValidationError, match="routeSelectionExpression"):
        StackSpec.model_validate({"stack": "s", "functions": {"a": {"handler": "app.a"}},
                                  "websocket": {"routeSelectionExpression": "$request.header.x"}})
    with pytest.raises(ValidationError, match="websocket path"):
        StackSpec.model_validate({"stack": "s", "functions": {"a": {"handler": "app.a"}}, "websocket": {"path": "ws/"}})
