"""Asynchronous invocation end to end: `overcast invoke --async`, retries with backoff, maximum event age,
destinations (a recorder function), on a real platform; and the pure parts (settings, records, targets)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import nats
import pytest
import yaml

from overcast import limits
from overcast.engine import protocol
from overcast.errors import LimitExceeded
from overcast.sources import destinations as dest
from overcast.sources.async_settings import RETRY_DELAYS_ENV, AsyncSettings, retry_delays, settings_of
from overcast.sources.async_store import enqueue
from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack

DELAYS = (1.0, 2.0)


def async_settings_supported() -> bool:
    """Whether stack files accept a function's `async:` entry yet (spec/models.py)."""
    from overcast.spec.models import FunctionSpec

    return any(name in ("async", "async_") or field.alias == "async"
               for name, field in FunctionSpec.model_fields.items())


needs_async_settings = pytest.mark.skipif(not async_settings_supported(),
                                          reason="stack files do not accept `async:` yet")


def prepare_stack(root: Path, name: str) -> Path:
    """A copy of the `async` fixture stack; without its `async:` entries while the spec lacks them."""
    stack = copy_stack(FIXTURES / "async", root / name)
    if not async_settings_supported():
        doc = yaml.safe_load((stack / "overcast.yml").read_text())
        for fn in doc["functions"].values():
            fn.pop("async", None)
        (stack / "overcast.yml").write_text(yaml.safe_dump(doc))
    return stack


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


def attempts(d: Path) -> list[tuple[str, float]]:
    path = d / "attempts"
    if not path.exists():
        return []
    return [(rid, float(at)) for rid, at in (line.split() for line in path.read_text().splitlines())]


def record(d: Path, condition: str, timeout: float = 30.0) -> dict:
    path = d / f"record-{condition}.json"
    wait_for(path.exists, timeout)
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("async")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RETRY_DELAYS_ENV, ",".join(str(d) for d in DELAYS))
        with running_platform(prepare_stack(root, "async")) as p:
            yield p


# -- on a platform ----------------------------------------------------------------------------------
def test_invoke_async_returns_at_once_and_the_handler_runs(platform, tmp_path):
    path = tmp_path / "marker"
    out = platform.cli("invoke", "marker", "--async", "--data", json.dumps({"path": str(path), "sleep": 2}))
    assert out.returncode == 0, out.stderr
    request_id = out.stdout.strip()
    uuid.UUID(request_id)
    assert "202 Accepted" in out.stderr
    assert not path.exists()  # the handler is still sleeping: the command did not wait for it
    wait_for(path.exists)
    assert path.read_text() == request_id  # the handler saw the request id the caller got


def test_invoke_async_of_an_unknown_function_fails_clearly(platform):
    out = platform.cli("invoke", "nosuch", "--async")
    assert out.returncode == 1
    assert "Function not found: nosuch" in out.stderr and "Traceback" not in out.stderr


def test_failing_twice_then_succeeding_is_retried_with_backoff(platform, tmp_path):
    event = {"dir": str(tmp_path), "failures": 2}
    out = platform.cli("invoke", "flaky", "--async", "--data", json.dumps(event))
    assert out.returncode == 0, out.stderr
    request_id = out.stdout.strip()
    seen = wait_for(lambda: len(attempts(tmp_path)) >= 3 and attempts(tmp_path))
    assert [rid for rid, _ in seen] == [request_id] * 3  # one request id across retries, as in AWS
    assert seen[1][1] - seen[0][1] >= DELAYS[0] - 0.05  # waited before each retry
    assert seen[2][1] - seen[1][1] >= DELAYS[1] - 0.05
    if async_settings_supported():
        rec = record(tmp_path, dest.SUCCESS)
        assert rec["requestContext"] == {
            "requestId": request_id, "condition": "Success", "approximateInvokeCount": 3,
            "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:async-dev-flaky:$LATEST"}
        assert rec["requestPayload"] == event
        assert rec["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
        assert rec["responsePayload"] == {"attempts": 3}
        assert rec["version"] == "1.0" and rec["timestamp"].endswith("Z")
    assert len(attempts(tmp_path)) == 3


@needs_async_settings
def test_always_failing_runs_one_plus_max_retries_times_then_reports(platform, tmp_path):
    event = {"dir": str(tmp_path), "failures": 99}
    out = platform.cli("invoke", "failing", "--async", "--data", json.dumps(event))
    assert out.returncode == 0, out.stderr
    rec = record(tmp_path, dest.RETRIES_EXHAUSTED)
    assert len(attempts(tmp_path)) == 2  # maximumRetryAttempts: 1
    assert rec["requestContext"]["approximateInvokeCount"] == 2
    assert rec["requestContext"]["requestId"] == out.stdout.strip()
    assert rec["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert rec["responsePayload"]["errorType"] == "RuntimeError"
    assert rec["responsePayload"]["errorMessage"] == "attempt 2 fails on purpose"
    assert rec["requestPayload"] == event


@needs_async_settings
async def test_an_event_older_than_its_maximum_age_is_not_run_and_reported(platform, tmp_path):
    event = {"dir": str(tmp_path), "path": str(tmp_path / "ran")}
    nc = await nats.connect(platform.nats_url)
    try:  # accepted ten minutes ago; `expiring` has maximumEventAge 60
        rid = await enqueue(nc, "dev", "async", "expiring", json.dumps(event).encode(),
                            enqueued_at=time.time() - 600)
    finally:
        await nc.close()
    path = tmp_path / f"record-{dest.EVENT_AGE_EXCEEDED}.json"
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    rec = json.loads(path.read_text())
    assert rec["requestContext"]["requestId"] == rid
    assert rec["requestContext"]["condition"] == "EventAgeExceeded"
    assert rec["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in rec and "responsePayload" not in rec
    assert not (tmp_path / "ran").exists()


# -- pure parts ---------------------------------------------------------------------------------------
async def test_enqueue_refuses_a_payload_over_the_limit_naming_it():
    lim = limits.LIMITS["lambda.async_payload"]
    with pytest.raises(LimitExceeded) as info:
        await enqueue(None, "dev", "s", "f", b"x" * (lim.value + 1))
    assert "lambda.async_payload" in info.value.message and "1 MB" in info.value.message
    assert info.value.aws_name == "RequestEntityTooLargeException" and info.value.http_status == 413


def test_settings_default_to_aws_and_are_read_from_the_spec():
    assert settings_of({"handler": "a.b"}) == AsyncSettings(2, 21600.0, None, None)
    assert settings_of({"async": None}) == AsyncSettings()
    spec = {"async": {"maximumRetryAttempts": 0, "maximumEventAge": 120,
                      "destinations": {"onSuccess": "queue:ok", "onFailure": "function:x.y"}}}
    assert settings_of(spec) == AsyncSettings(0, 120.0, "queue:ok", "function:x.y")
    assert settings_of({"async": {"maximumRetryAttempts": 9}}).max_retries == 2  # clamped to the limit


def test_retry_delays_default_to_aws_and_env_overrides(monkeypatch):
    monkeypatch.delenv(RETRY_DELAYS_ENV, raising=False)
    assert retry_delays() == (60.0, 120.0)
    monkeypatch.setenv(RETRY_DELAYS_ENV, "0.5, 1")
    assert retry_delays() == (0.5, 1.0)
    monkeypatch.setenv(RETRY_DELAYS_ENV, "soon")
    assert retry_delays() == (60.0, 120.0)


def test_targets_parse_and_malformed_ones_are_refused():
    assert dest.parse_target("queue:dlq") == ("queue", "dlq")
    assert dest.parse_target("stream:arn:aws:kinesis:us-east-1:000000000000:stream/s1") == ("stream", "s1")
    assert dest.parse_target("function:arn:aws:lambda:us-east-1:0:function:a-dev-b:$LATEST") == ("function", "a-dev-b")
    for bad in ("dlq", "topic:x", "queue:", ""):
        with pytest.raises(dest.InvalidDestination) as info:
            dest.parse_target(bad)
        assert "queue:NAME, stream:NAME or function:NAME" in info.value.message
        assert info.value.aws_name == "InvalidParameterValueException"


def test_invocation_record_shape():
    reply = protocol.Reply(protocol.ERROR, protocol.error_payload("bad", "ValueError", "r1"), "r1")
    rec = dest.invocation_record(request_id="r1", function_arn="arn:aws:lambda:us-east-1:0:function:s-dev-f",
                                 version="3", condition=dest.RETRIES_EXHAUSTED, invoke_count=3,
                                 request_payload=b'{"a": 1}', reply=reply, now=0.25)
    assert rec == {
        "version": "1.0", "timestamp": "1970-01-01T00:00:00.250Z",
        "requestContext": {"requestId": "r1", "functionArn": "arn:aws:lambda:us-east-1:0:function:s-dev-f:3",
                           "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": {"a": 1},
        "responseContext": {"statusCode": 200, "executedVersion": "3", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "bad", "errorType": "ValueError", "requestId": "r1", "stackTrace": []},
    }


# -- delivering to queues and streams (real engine) -------------------------------------------------
async def test_deliver_to_a_queue_and_a_stream_and_missing_targets(engine_url):
    from overcast.engine import subjects
    from overcast.engine.connect import ensure_resources
    from overcast.queues import store as queue_store
    from overcast.queues.model import Envelope
    from overcast.streams import admin, records

    rec = dest.invocation_record(request_id="r-9", function_arn="arn:aws:lambda:us-east-1:0:function:s-dev-f",
                                 version="$LATEST", condition=dest.SUCCESS, invoke_count=1,
                                 request_payload=b"{}", reply=protocol.Reply(protocol.OK, b'"done"', "r-9"))
    name = f"q-{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(engine_url)
    try:
        await ensure_resources(nc)
        await queue_store.create_queue(nc, name)
        await dest.deliver(nc, f"queue:{name}", rec)
        msg = await nc.jetstream().get_last_msg(subjects.queue_stream(name), subjects.queue_messages(name))
        assert json.loads(Envelope.decode(msg.data).body) == rec

        await admin.create_stream(nc, name, 1)
        await dest.deliver(nc, f"stream:{name}", rec)
        got, _ = await records.read(nc, name, 0, 1, 10)
        assert [json.loads(r.data) for r in got] == [rec] and got[0].partition_key == "r-9"

        for target in (f"queue:{name}-gone", f"stream:{name}-gone", "function:nosuch"):
            with pytest.raises(dest.DestinationNotFound) as info:
                await dest.deliver(nc, target, rec)
            assert target in info.value.message
    finally:
        await nc.close()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_killing_the_dispatcher_between_attempts_loses_nothing(platform, tmp_path):
    import os
    import signal

    def dispatchers() -> list[int]:
        found = []
        for pid in platform.descendants():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"overcast.sources" in cmd:
                found.append(pid)
        return found

    event = {"dir": str(tmp_path), "failures": 1}
    out = platform.cli("invoke", "flaky", "--async", "--data", json.dumps(event))
    assert out.returncode == 0, out.stderr
    wait_for(lambda: attempts(tmp_path))
    (victim,) = dispatchers()
    os.kill(victim, signal.SIGKILL)  # the supervisor starts another; the event waits in JetStream
    # killed before its nak: the event comes back after the consumer's ack wait
    wait_for(lambda: len(attempts(tmp_path)) == 2, timeout=120)
    rec = record(tmp_path, dest.SUCCESS) if async_settings_supported() else None
    assert victim not in dispatchers()
    if rec is not None:
        assert rec["requestContext"]["requestId"] == out.stdout.strip()
        assert rec["responsePayload"] == {"attempts": 2}
