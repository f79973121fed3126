"""Fixtures of the event-source tests: a platform serving a stack, boto3 clients with its credentials."""

from __future__ import annotations

import json
import time

import pytest
from botocore.config import Config

from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack


class Served:
    def __init__(self, platform, out) -> None:
        self.platform = platform
        self.out = out
        self.session = platform.aws_session()

    def client(self, service: str):
        return self.session.client(service, endpoint_url=self.platform.url,
                                   config=Config(retries={"max_attempts": 1}))

    def lines(self, name: str) -> list[str]:
        path = self.out / name
        return path.read_text().splitlines() if path.exists() else []

    def mappings(self) -> list[dict]:
        proc = self.platform.cli("mappings", "--json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def lag(self, function: str) -> int:
        return sum(m["lag"] for m in self.mappings() if m["function"].endswith(function))

    def drain(self, queue_url: str, want: int, timeout: float = 30.0) -> list[dict]:
        sqs = self.client("sqs")
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(got) < want and time.monotonic() < deadline:
            resp = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in resp.get("Messages", []):
                got.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        return got


def in_order_per_key(lines: list[str], total: int) -> dict[str, list[int]]:
    """Lines "KEY N": every N of range(total) once, and each key's Ns increasing; returns them by key."""
    from collections import defaultdict

    seen = defaultdict(list)
    for line in lines:
        key, n = line.split()
        seen[key].append(int(n))
    assert sorted(n for ns in seen.values() for n in ns) == list(range(total))
    for key, ns in seen.items():
        assert ns == sorted(ns), f"{key} out of order"
    return seen


def wait_for(check, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def serve(fixture: str, tmp_path_factory, monkeypatch_env: dict | None = None):
    root = tmp_path_factory.mktemp(fixture)
    out = root / "out"
    out.mkdir()
    stack = copy_stack(FIXTURES / fixture, root / fixture)
    import os

    saved = dict(os.environ)
    os.environ.update({"OVERCAST_TEST_OUT": str(out), **(monkeypatch_env or {})})
    try:
        ctx = running_platform(stack)
        platform = ctx.__enter__()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return ctx, Served(platform, out)


@pytest.fixture(scope="module")
def streams(tmp_path_factory):
    ctx, served = serve("streams", tmp_path_factory, {"OVERCAST_ESM_CLOCK_SKEW_S": "120"})
    try:
        yield served
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture(scope="module")
def qmaps(tmp_path_factory):
    ctx, served = serve("qmaps", tmp_path_factory)
    try:
        yield served
    finally:
        ctx.__exit__(None, None, None)
