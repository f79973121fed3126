"""WebSocket APIs end to end: real `websockets` clients and boto3 against a running platform (tests/fixtures/wsapi)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import boto3
import httpx
import pytest
import websockets
from botocore.config import Config

from overcast.testing import alive, running_platform
from tests.conftest import FIXTURES, copy_stack
from tests.gateway.test_websocket_events import CONNECT_SAMPLE, DISCONNECT_SAMPLE, MESSAGE_SAMPLE


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    stack = copy_stack(FIXTURES / "wsapi", tmp_path_factory.mktemp("wsapi") / "wsapi")
    with running_platform(stack) as p:
        yield p


@pytest.fixture(scope="module")
def session(platform):
    return platform.aws_session()


def management(session, endpoint_url):
    return session.client("apigatewaymanagementapi", endpoint_url=endpoint_url,
                          config=Config(retries={"max_attempts": 1}))


def ws_url(platform, path="/ws"):
    return platform.url.replace("http://", "ws://", 1) + path


def seen(platform, predicate, timeout=15.0):
    """The events the fixture's handlers kept that match ``predicate`` (waits for at least one)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in httpx.get(platform.url + "/seen", timeout=10).json() if predicate(e)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def run(coro):
    return asyncio.run(coro)


def test_connect_message_and_disconnect_events_have_the_aws_shape(platform):
    async def go():
        async with websockets.connect(ws_url(platform) + "?token=ok&room=r1",
                                      additional_headers={"X-Custom": "c1"}) as ws:
            await ws.send(json.dumps({"action": "echo", "message": "hello"}))
            assert json.loads(await ws.recv()) == {"echo": "hello", "route": "echo"}
            await ws.send("plain text")
            assert json.loads(await ws.recv()) == {"fallback": "plain text", "binary": False}
    run(go())
    connect = seen(platform, lambda e: e["requestContext"]["eventType"] == "CONNECT"
                   and (e.get("queryStringParameters") or {}).get("room") == "r1")[0]
    cid = connect["requestContext"]["connectionId"]
    assert list(connect) == ["headers", "multiValueHeaders", "queryStringParameters",
                             "multiValueQueryStringParameters", "requestContext", "isBase64Encoded"]
    assert list(connect["requestContext"]) == list(CONNECT_SAMPLE["requestContext"])
    ctx = connect["requestContext"]
    assert ctx["routeKey"] == "$connect" and ctx["stage"] == "dev" and ctx["messageDirection"] == "IN"
    assert ctx["domainName"] == platform.url.removeprefix("http://")
    assert ctx["identity"] == {"sourceIp": "127.0.0.1"}
    assert connect["headers"]["X-Custom"] == "c1" and connect["multiValueHeaders"]["X-Custom"] == ["c1"]
    assert {"Host", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "User-Agent"} <= set(connect["headers"])
    assert connect["queryStringParameters"] == {"token": "ok", "room": "r1"}

    message = seen(platform, lambda e: e["requestContext"].get("connectionId") == cid
                   and e["requestContext"]["eventType"] == "MESSAGE")
    assert [m["requestContext"]["routeKey"] for m in message] == ["echo", "$default"]
    assert list(message[0]) == list(MESSAGE_SAMPLE)
    assert list(message[0]["requestContext"]) == list(MESSAGE_SAMPLE["requestContext"])
    assert json.loads(message[0]["body"]) == {"action": "echo", "message": "hello"}
    assert message[0]["requestContext"]["connectedAt"] == ctx["connectedAt"]

    bye = seen(platform, lambda e: e["requestContext"].get("connectionId") == cid
               and e["requestContext"]["eventType"] == "DISCONNECT")
    assert len(bye) == 1
    assert list(bye[0]["requestContext"]) == list(DISCONNECT_SAMPLE["requestContext"])
    assert bye[0]["requestContext"]["routeKey"] == "$disconnect"
    assert bye[0]["requestContext"]["disconnectStatusCode"] == 1000


@pytest.mark.parametrize("token", ["deny", "crash"])
def test_connect_route_rejects_with_403(platform, token):
    async def go():
        with pytest.raises(websockets.InvalidStatus) as info:
            async with websockets.connect(ws_url(platform) + f"?token={token}"):
                pass
        return info.value.response.status_code
    assert run(go()) == 403


def test_unknown_path_is_refused_and_stage_path_works(platform):
    async def go():
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(ws_url(platform, "/nope")):
                pass
        async with websockets.connect(ws_url(platform, "/dev/ws")) as ws:
            await ws.send(json.dumps({"action": "echo", "message": "staged"}))
            return json.loads(await ws.recv())
    assert run(go()) == {"echo": "staged", "route": "echo"}


def test_default_route_binary_frames_and_failing_handler(platform):
    async def go():
        async with websockets.connect(ws_url(platform)) as ws:
            await ws.send(json.dumps({"action": "unknown-route", "x": 1}))
            first = json.loads(await ws.recv())
            await ws.send(b"\x00\x01binary")
            second = json.loads(await ws.recv())
            await ws.send(json.dumps({"action": "fail"}))
            third = json.loads(await ws.recv())
            return first, second, third
    first, second, third = run(go())
    assert first["fallback"] == json.dumps({"action": "unknown-route", "x": 1}) and first["binary"] is False
    assert second["binary"] is True
    assert third["message"] == "Internal server error"
    assert set(third) == {"message", "connectionId", "requestId"}


def test_management_api_from_the_test_and_from_a_handler(platform, session):
    async def go():
        async with websockets.connect(ws_url(platform) + "?token=mgmt",
                                      additional_headers={"User-Agent": "ws-test/1"}) as ws:
            cid = seen(platform, lambda e: (e.get("queryStringParameters") or {}).get("token") == "mgmt")[0][
                "requestContext"]["connectionId"]
            for endpoint in (f"{platform.url}/dev", platform.url):  # AWS style (stage prefix) and the root
                client = management(session, endpoint)
                await asyncio.to_thread(client.post_to_connection, ConnectionId=cid, Data=b"from the test")
                assert await ws.recv() == "from the test"
            info = await asyncio.to_thread(client.get_connection, ConnectionId=cid)
            assert info["Identity"]["SourceIp"] == "127.0.0.1"
            assert info["Identity"]["UserAgent"] == "ws-test/1"
            assert info["ConnectedAt"] <= info["LastActiveAt"]
            # a handler builds the endpoint from domainName + stage, describes and posts, and sees GoneException
            await ws.send(json.dumps({"action": "push"}))
            assert json.loads(await ws.recv()) == {"pushed": True, "sourceIp": "127.0.0.1"}
            assert json.loads(await ws.recv()) == {"goneSeen": True}
            await asyncio.to_thread(client.delete_connection, ConnectionId=cid)
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return cid, client
    cid, client = run(go())
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=cid, Data=b"late")
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId=cid)
    with pytest.raises(client.exceptions.GoneException):
        client.delete_connection(ConnectionId="AAAAAAAAAAAAAAA=")
    bye = seen(platform, lambda e: e["requestContext"].get("connectionId") == cid
               and e["requestContext"]["eventType"] == "DISCONNECT")
    assert len(bye) == 1


def test_management_api_needs_the_stacks_key(platform, session):
    async def go():
        async with websockets.connect(ws_url(platform) + "?token=auth"):
            cid = seen(platform, lambda e: (e.get("queryStringParameters") or {}).get("token") == "auth")[0][
                "requestContext"]["connectionId"]
            unsigned = await asyncio.to_thread(httpx.post, f"{platform.url}/@connections/{cid}", content=b"x")
            other = boto3.session.Session(aws_access_key_id="AKIAOTHER00000000000", aws_secret_access_key="x" * 40,
                                          region_name="us-east-1")
            client = management(other, platform.url)
            with pytest.raises(client.exceptions.ForbiddenException):
                await asyncio.to_thread(client.post_to_connection, ConnectionId=cid, Data=b"x")
            wrong_stage = management(session, f"{platform.url}/prod")
            with pytest.raises(wrong_stage.exceptions.ForbiddenException):
                await asyncio.to_thread(wrong_stage.post_to_connection, ConnectionId=cid, Data=b"x")
            return unsigned
    unsigned = run(go())
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-errortype"] == "ForbiddenException"


def test_message_over_128_kb_closes_with_1009(platform, session):
    async def go():
        async with websockets.connect(ws_url(platform), max_size=None) as ws:
            message = json.dumps({"action": "echo", "message": "x" * (128 * 1024)})
            # In frames within the 32 KB frame limit (tests/gateway/test_websocket_frames.py), as clients must.
            await ws.send([message[i:i + 32 * 1024] for i in range(0, len(message), 32 * 1024)])
            with pytest.raises(websockets.ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 10)
            return info.value.rcvd
    rcvd = run(go())
    assert rcvd.code == 1009 and rcvd.reason == "Message too big"
    client = management(session, platform.url)
    with pytest.raises(client.exceptions.PayloadTooLargeException):
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x" * (128 * 1024 + 1))


def test_connection_survives_its_workers_death(platform):
    async def go():
        async with websockets.connect(ws_url(platform)) as ws:
            await ws.send(json.dumps({"action": "pid"}))
            first = json.loads(await ws.recv())["pid"]
            os.kill(first, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while alive(first) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert not alive(first)
            await ws.send(json.dumps({"action": "pid"}))
            second = json.loads(await ws.recv())["pid"]
            await ws.send(json.dumps({"action": "echo", "message": "still here"}))
            return first, second, json.loads(await ws.recv())
    first, second, echoed = run(go())
    assert second != first
    assert echoed == {"echo": "still here", "route": "echo"}
