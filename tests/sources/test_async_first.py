"""First attempts made at once (a topic rule's function action): the same retries, request id and
destination records as the stored path, and a first attempt that succeeds is never stored."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import nats
import pytest

from overcast.engine import subjects
from overcast.sources import destinations as dest
from overcast.sources.async_settings import (
    H_ATTEMPTS,
    H_NOT_BEFORE,
    RETRY_DELAYS_ENV,
    event_headers,
    event_progress,
)
from overcast.testing import running_platform
from tests.sources.test_async_invoke import DELAYS, attempts, prepare_stack, record, wait_for


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("async-first")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RETRY_DELAYS_ENV, ",".join(str(d) for d in DELAYS))
        with running_platform(prepare_stack(root, "async")) as p:
            yield p


async def stored_events(nats_url: str) -> int:
    """How many events the async stream ever stored (its last sequence)."""
    nc = await nats.connect(nats_url)
    try:
        return (await nc.jetstream().stream_info(subjects.ASYNC_STREAM)).state.last_seq
    finally:
        await nc.close()


def publish(platform, subject: str, event: dict) -> None:
    async def go():
        nc = await nats.connect(platform.nats_url)
        await nc.publish(subject, json.dumps(event).encode())
        await nc.flush()
        await nc.close()

    asyncio.run(go())


def publish_until_seen(platform, subject: str, event: dict, tmp_path) -> None:
    """The dispatcher's rules may still be starting: publish again until the first attempt is seen."""
    for _ in range(40):
        publish(platform, subject, event)
        try:
            wait_for(lambda: attempts(tmp_path), timeout=0.5)
            return
        except AssertionError:
            continue
    raise AssertionError("the rule never invoked the function")


def test_a_first_attempt_that_succeeds_is_not_stored(platform, tmp_path):
    before = asyncio.run(stored_events(platform.nats_url))
    publish_until_seen(platform, "async.flaky", {"dir": str(tmp_path), "failures": 0}, tmp_path)
    rec = record(tmp_path, dest.SUCCESS)
    [(rid, _)] = attempts(tmp_path)
    assert rec["requestContext"]["requestId"] == rid and rec["requestContext"]["approximateInvokeCount"] == 1
    assert rec["requestPayload"] == {"dir": str(tmp_path), "failures": 0}
    # the success record went to a function destination (stored path), the event itself never was
    assert asyncio.run(stored_events(platform.nats_url)) - before == 1


def test_a_failed_first_attempt_is_retried_with_backoff_under_the_same_request_id(platform, tmp_path):
    publish_until_seen(platform, "async.flaky", {"dir": str(tmp_path), "failures": 2}, tmp_path)
    seen = wait_for(lambda: len(attempts(tmp_path)) >= 3 and attempts(tmp_path))
    rids = {rid for rid, _ in seen}
    assert len(rids) == 1  # one request id for the first attempt and both retries, as in AWS
    assert seen[1][1] - seen[0][1] >= DELAYS[0] - 0.05  # the stored retry waited its delay
    assert seen[2][1] - seen[1][1] >= DELAYS[1] - 0.05
    rec = record(tmp_path, dest.SUCCESS)
    assert rec["requestContext"]["requestId"] == rids.pop()
    assert rec["requestContext"]["approximateInvokeCount"] == 3
    assert rec["responsePayload"] == {"attempts": 3}
    assert len(attempts(tmp_path)) == 3


def test_retries_exhausted_after_a_failed_first_attempt_are_reported(platform, tmp_path):
    publish_until_seen(platform, "async.failing", {"dir": str(tmp_path), "failures": 99}, tmp_path)
    rec = record(tmp_path, dest.RETRIES_EXHAUSTED)
    assert len(attempts(tmp_path)) == 2  # maximumRetryAttempts: 1
    assert rec["requestContext"]["approximateInvokeCount"] == 2
    assert rec["responsePayload"]["errorMessage"] == "attempt 2 fails on purpose"
    assert rec["requestPayload"] == {"dir": str(tmp_path), "failures": 99}


def test_a_dispatcher_stopped_during_a_first_attempt_stores_the_event(platform, tmp_path):
    warm = tmp_path / "warm"
    warm.mkdir()
    publish_until_seen(platform, "async.flaky", {"dir": str(warm), "failures": 0}, warm)  # rules are running
    before = asyncio.run(stored_events(platform.nats_url))
    publish(platform, "async.flaky", {"dir": str(tmp_path), "failures": 0, "sleep": 8})
    wait_for(lambda: attempts(tmp_path))  # the first attempt runs (and sleeps past the stop grace of 5 s)
    [dispatcher] = [pid for pid in platform.descendants()
                    if b"overcast.sources" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    os.kill(dispatcher, signal.SIGTERM)  # a graceful stop; the supervisor starts another dispatcher
    # the stopping dispatcher stored the event under its request id; its successor runs it again (at least once,
    # as AWS's asynchronous invocation): a second attempt with the same request id
    seen = wait_for(lambda: len(attempts(tmp_path)) >= 2 and attempts(tmp_path), timeout=60)
    assert seen[0][0] == seen[1][0]
    assert asyncio.run(stored_events(platform.nats_url)) > before
    record(tmp_path, dest.SUCCESS, timeout=60)  # and it ends as any async event does


# -- pure ------------------------------------------------------------------------------------------
def test_event_progress_counts_attempts_made_elsewhere_and_waits_once():
    plain = event_headers("r1", 1000.0)
    assert H_ATTEMPTS not in plain and H_NOT_BEFORE not in plain
    assert event_progress(plain, 1, 1000.0) == (1, 0.0)
    assert event_progress(plain, 3, 1000.0) == (3, 0.0)
    after_one = event_headers("r1", 1000.0, attempts_made=1, not_before=1060.0)
    assert after_one[H_ATTEMPTS] == "1" and after_one[H_NOT_BEFORE] == "1060000"
    assert event_progress(after_one, 1, 1000.0) == (None, 60.0)  # first delivery: only the wait
    assert event_progress(after_one, 1, 1100.0) == (None, 0.0)  # already due: no wait, still not an attempt
    assert event_progress(after_one, 2, 1060.0) == (2, 0.0)  # the first retry is attempt 2
    assert event_progress(after_one, 3, 1200.0) == (3, 0.0)
    assert event_progress(None, 1, 0.0) == (1, 0.0)
