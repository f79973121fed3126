"""FunctionInvoker against a real platform: replies (ok, error, not found, no runtime), and desired-state
changes picked up while it runs (a deploy of a new version is what the next invocation runs)."""

from __future__ import annotations

import asyncio
import json

import nats
import orjson
import pytest

from overcast.engine import protocol
from overcast.sources.invoking import (
    NOT_FOUND_ERROR_TYPE,
    UNAVAILABLE_ERROR_TYPE,
    FunctionInvoker,
    consumes_attempt,
    retryable,
)
from overcast.testing import running_platform
from tests.sources.test_async_invoke import prepare_stack

VERSIONED = """
stack: versioned
functions:
  greet:
    handler: app.handler
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("invoking")
    with running_platform(prepare_stack(root, "async")) as p:
        p.root = root
        yield p


@pytest.fixture
async def invoker(platform):
    nc = await nats.connect(platform.nats_url)
    inv = FunctionInvoker(nc)
    await inv.start()
    try:
        yield inv
    finally:
        await inv.stop()
        await nc.close()


async def test_ok_reply_runs_the_live_version(invoker):
    reply = await invoker.invoke("dev", "async", "echo", b'{"a": 1}', request_id="req-1")
    assert reply.status == protocol.OK
    assert json.loads(reply.payload) == {"event": {"a": 1}, "requestId": "req-1", "version": "$LATEST"}
    assert invoker.function("dev", "async", "echo")["handler"] == "handlers.echo"
    assert invoker.version("dev", "async", "echo") == "$LATEST"
    assert invoker.arn("dev", "async", "echo") == "arn:aws:lambda:us-east-1:000000000000:function:async-dev-echo"


async def test_error_reply_counts_as_an_attempt(invoker):
    reply = await invoker.invoke("dev", "async", "boom", b"{}")
    assert reply.status == protocol.ERROR and reply.error_type == "ValueError"
    assert consumes_attempt(reply) and retryable(reply)


async def test_missing_function_is_rejected_not_raised(invoker):
    assert invoker.function("dev", "async", "nosuch") is None
    reply = await invoker.invoke("dev", "async", "nosuch", b"{}")
    assert reply.status == protocol.REJECTED
    assert orjson.loads(reply.payload)["errorType"] == NOT_FOUND_ERROR_TYPE
    assert not retryable(reply)


async def test_no_runtime_serving_comes_back_throttled_without_consuming_an_attempt(invoker):
    doc = dict(invoker.states[("dev", "async")], versions={"echo": 99})  # a version no runtime serves
    invoker.states[("dev", "async-ghost")] = doc
    reply = await invoker.invoke("dev", "async-ghost", "echo", b"{}")
    assert reply.status == protocol.THROTTLED
    assert orjson.loads(reply.payload)["errorType"] == UNAVAILABLE_ERROR_TYPE
    assert retryable(reply) and not consumes_attempt(reply)


async def test_deploying_a_new_version_is_picked_up(platform, invoker):
    seen: list[tuple[str, str, int | None]] = []

    async def on_change(stage, stack, doc):
        seen.append((stage, stack, (doc or {}).get("revision")))

    invoker.subscribe(on_change)
    d = platform.root / "versioned"
    d.mkdir(exist_ok=True)
    (d / "overcast.yml").write_text(VERSIONED)
    for n in (1, 2):
        (d / "app.py").write_text(f"def handler(event, context):\n    return {{'v': {n}}}\n")
        out = await asyncio.to_thread(platform.deploy, d)
        assert out.returncode == 0, out.stderr
        await _until(lambda n=n: invoker.version("dev", "versioned", "greet") == str(n))
        reply = await invoker.invoke("dev", "versioned", "greet", b"{}")
        assert reply.status == protocol.OK and json.loads(reply.payload) == {"v": n}
    revisions = [rev for stage, stack, rev in seen if (stage, stack) == ("dev", "versioned")]
    assert list(dict.fromkeys(revisions)) == [1, 2]  # a deploy may write its revision more than once


async def _until(predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "state change not seen"
        await asyncio.sleep(0.05)
