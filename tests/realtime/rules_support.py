"""Shared by the topic-rule platform tests: the `rules` fixture stack running, AWS clients, waiting helpers."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from pathlib import Path

import nats
from botocore.config import Config

from overcast.platform.dev import DevOptions
from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack

WAIT = 30.0


def insecure_args() -> tuple[str, ...]:
    """``--insecure`` (anonymous MQTT devices) where this tree's ``overcast dev`` has it."""
    return ("--insecure",) if "insecure" in {f.name for f in dataclasses.fields(DevOptions)} else ()


@contextlib.contextmanager
def rules_platform(tmp_path_factory, name: str):
    stack = copy_stack(FIXTURES / "rules", tmp_path_factory.mktemp(name) / "rules")
    with running_platform(stack, *insecure_args()) as p:
        asyncio.run(wait_rules_ready(p.nats_url))
        yield p


def client(platform, service: str):
    return platform.aws_session().client(service, endpoint_url=platform.url,
                                         config=Config(retries={"max_attempts": 1}))


class Inbox:
    """A NATS subscription collecting (subject, data, headers)."""

    def __init__(self) -> None:
        self.items: asyncio.Queue = asyncio.Queue()

    async def cb(self, msg) -> None:
        await self.items.put((msg.subject, msg.data, msg.headers or {}))

    async def next(self, timeout: float = WAIT):
        return await asyncio.wait_for(self.items.get(), timeout)


async def wait_rules_ready(nats_url: str) -> None:
    """Until the dispatcher's rule engine answers: the `echo` rule republishes a probe to loop/again."""
    nc = await nats.connect(nats_url)
    try:
        inbox = Inbox()
        await nc.subscribe("loop.again", cb=inbox.cb)
        probe = f"probe-{uuid.uuid4().hex}"
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            await nc.publish("loop.probe", json.dumps({"run": probe}).encode())
            try:
                while True:
                    _, data, _ = await inbox.next(0.5)
                    if json.loads(data).get("run") == probe:
                        return
            except asyncio.TimeoutError:
                continue
        raise AssertionError("the rule engine did not start")
    finally:
        await nc.close()


def records(stack_dir: Path, run: str) -> list[dict]:
    """What the `recorder` function received for messages carrying ``run``."""
    return [json.loads(p.read_text()) for p in sorted((stack_dir / "out").glob(f"{run}-*.json"))]


async def wait_records(stack_dir: Path, run: str, count: int = 1) -> list[dict]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = records(stack_dir, run)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the recorder did not get {count} event(s) for {run}")


async def receive_until(sqs, queue: str, run: str) -> list[dict]:
    """Bodies (JSON) of the queue's messages, deleted as read, up to the first whose text mentions ``run``."""
    url = (await asyncio.to_thread(sqs.get_queue_url, QueueName=queue))["QueueUrl"]
    out, deadline = [], time.monotonic() + WAIT
    while time.monotonic() < deadline:
        got = await asyncio.to_thread(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for msg in got.get("Messages", []):
            await asyncio.to_thread(sqs.delete_message, QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
            out.append(json.loads(msg["Body"]))
            if run in msg["Body"]:
                return out
    raise AssertionError(f"no message about {run} in queue {queue}: {out}")
