"""kill -9 in the middle of batches: of function workers, and of the dispatcher itself.

Every record acknowledged to the producer is counted out again: processed by the
handler (at least once) or, for a queue, moved to its dead-letter queue. Nothing
acknowledged is lost, and the stream mapping's lag returns to zero.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.sources.conftest import serve, wait_for


@pytest.fixture
def chaos(tmp_path_factory):
    ctx, served = serve("chaos", tmp_path_factory)
    try:
        yield served
    finally:
        ctx.__exit__(None, None, None)


def _producer(chaos, stream_n: int, queue_n: int) -> threading.Thread:
    def run():
        kinesis, sqs = chaos.client("kinesis"), chaos.client("sqs")
        url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
        s = q = 0
        while s < stream_n or q < queue_n:
            if s < stream_n:
                n = min(250, stream_n - s)
                resp = kinesis.put_records(StreamName="events", Records=[
                    {"Data": f"s{i}".encode(), "PartitionKey": f"k{i % 13}"} for i in range(s, s + n)])
                assert resp["FailedRecordCount"] == 0
                s += n
            if q < queue_n:
                n = min(10, queue_n - q)
                resp = sqs.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": f"q{i}"} for i in range(q, q + n)])
                assert not resp.get("Failed")
                q += n
            time.sleep(0.05)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _dead_letters(chaos) -> set[str]:
    sqs = chaos.client("sqs")
    url = sqs.get_queue_url(QueueName="jobs-dlq")["QueueUrl"]
    resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600)
    return {m["Body"] for m in resp.get("Messages", [])}


def _all_counted(chaos, stream_n: int, queue_n: int) -> None:
    want_s = {f"s{i}" for i in range(stream_n)}
    want_q = {f"q{i}" for i in range(queue_n)}
    wait_for(lambda: want_s <= set(chaos.lines("stream.out")), 120, "every stream record")
    dead: set[str] = set()

    def queue_done():
        dead.update(_dead_letters(chaos))
        return want_q <= set(chaos.lines("queue.out")) | dead

    wait_for(queue_done, 120, "every queue message (processed or in the dead-letter queue)")
    wait_for(lambda: chaos.lag("stream-sink") == 0, 60, "the stream mapping caught up")


def _kill(pids) -> int:
    killed = 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    return killed


def _dispatcher(chaos) -> int:
    for pid in chaos.platform.descendants():
        try:
            if b"overcast.sources" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    raise AssertionError("no dispatcher process")


def test_workers_killed_mid_batch_lose_nothing(chaos):
    stream_n, queue_n = 3000, 300
    producer = _producer(chaos, stream_n, queue_n)
    killed = 0
    for _ in range(4):
        time.sleep(0.4)
        pids = {int(p) for name in ("stream.pids", "queue.pids") for p in chaos.lines(name)}
        killed += _kill(pids)
    producer.join()
    assert killed > 0
    _all_counted(chaos, stream_n, queue_n)


def test_dispatcher_killed_mid_batch_loses_nothing(chaos):
    stream_n, queue_n = 3000, 300
    producer = _producer(chaos, stream_n, queue_n)
    victims = []
    for _ in range(2):
        wait_for(lambda: chaos.lines("stream.out") and chaos.lines("queue.out"), 30, "records flowing")
        time.sleep(0.5)
        victim = _dispatcher(chaos)
        os.kill(victim, signal.SIGKILL)  # the supervisor starts another; it resumes at the checkpoints
        victims.append(victim)
        wait_for(lambda: _dispatcher_other(chaos, victims), 30, "a new dispatcher")
    producer.join()
    _all_counted(chaos, stream_n, queue_n)


def _dispatcher_other(chaos, victims) -> bool:
    try:
        return _dispatcher(chaos) not in victims
    except AssertionError:
        return False
