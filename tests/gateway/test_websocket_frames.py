"""API Gateway's 32 KB WebSocket frame limit, end to end: real `websockets` clients against a running platform
(tests/fixtures/wsapi), plus the pure check in overcast.gateway.wsframes."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from overcast.gateway.wsframes import frame_violation
from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack
from tests.gateway.test_websocket import seen, ws_url

KB = 1024


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    stack = copy_stack(FIXTURES / "wsapi", tmp_path_factory.mktemp("wsframes") / "wsapi")
    with running_platform(stack) as p:
        yield p


def echo_message(size: int) -> tuple[str, str]:
    """An ``echo`` route message of exactly ``size`` bytes, and the text it carries."""
    head, tail = '{"action":"echo","message":"', '"}'
    text = "x" * (size - len(head) - len(tail))
    return head + text + tail, text


def split(message: str, parts: int) -> list[str]:
    step = len(message) // parts
    assert step * parts == len(message)
    return [message[i:i + step] for i in range(0, len(message), step)]


async def closed_by_server(ws) -> websockets.frames.Close:
    with pytest.raises(websockets.ConnectionClosed) as info:
        await asyncio.wait_for(ws.recv(), 10)
    assert info.value.rcvd is not None, "the gateway closed the TCP connection without a close frame"
    return info.value.rcvd


def test_frame_violation_allows_up_to_the_limit_and_names_it_beyond():
    assert frame_violation(0) is None
    assert frame_violation(32 * KB) is None
    reason = frame_violation(32 * KB + 1)
    assert reason == "limit websocket.frame_size exceeded: one WebSocket frame is 32768 bytes (got 32769)"
    assert len(frame_violation(2**63).encode()) <= 123  # what a close frame can carry


def test_a_100_kb_message_in_four_25_kb_fragments_reaches_the_function_whole(platform):
    message, text = echo_message(100 * KB)
    fragments = split(message, 4)
    assert [len(f) for f in fragments] == [25 * KB] * 4

    async def go():
        async with websockets.connect(ws_url(platform), compression=None) as ws:
            await ws.send(fragments)
            return json.loads(await asyncio.wait_for(ws.recv(), 15))
    assert asyncio.run(go()) == {"echo": text, "route": "echo"}


def test_a_frame_of_exactly_32_kb_is_accepted(platform):
    message, text = echo_message(32 * KB)

    async def go():
        async with websockets.connect(ws_url(platform), compression=None) as ws:
            await ws.send(message)  # one frame
            return json.loads(await asyncio.wait_for(ws.recv(), 15))
    assert asyncio.run(go()) == {"echo": text, "route": "echo"}


@pytest.mark.parametrize("shape", ["text", "binary", "continuation", "compressed"])
def test_a_40_kb_frame_closes_the_connection_with_1009(platform, shape):
    room = f"frames-{shape}"
    message, _ = echo_message(40 * KB)
    payload = {"text": message, "binary": message.encode(), "compressed": message,
               # a small first fragment, then a continuation frame over the limit
               "continuation": [message[:KB], message[KB:]]}[shape]
    oversized = 40 * KB - KB if shape == "continuation" else 40 * KB

    async def go():
        # "compressed": permessage-deflate shrinks the 'x's on the wire; the payload size is what counts.
        async with websockets.connect(ws_url(platform) + f"?room={room}",
                                      compression="deflate" if shape == "compressed" else None) as ws:
            await ws.send(payload)
            return await closed_by_server(ws)
    rcvd = asyncio.run(go())
    assert rcvd.code == 1009
    assert rcvd.reason == ("limit websocket.frame_size exceeded: one WebSocket frame is 32768 bytes "
                           f"(got {oversized})")

    # The function never saw the message, and $disconnect reports the 1009 close as the message-size case does.
    connect = seen(platform, lambda e: e["requestContext"]["eventType"] == "CONNECT"
                   and (e.get("queryStringParameters") or {}).get("room") == room)[0]
    cid = connect["requestContext"]["connectionId"]
    bye = seen(platform, lambda e: e["requestContext"]["eventType"] == "DISCONNECT"
               and e["requestContext"]["connectionId"] == cid)[0]
    assert bye["requestContext"]["disconnectStatusCode"] == 1009
    assert bye["requestContext"]["disconnectReason"] == "Message too big"
    assert not [e for e in seen(platform, lambda e: True)
                if e["requestContext"]["eventType"] == "MESSAGE" and e["requestContext"]["connectionId"] == cid]
