"""Queue → function mappings end to end: redrive after maxReceiveCount, FIFO group order, partial batch
failures (by hand and with aws-lambda-powertools' BatchProcessor). Messages go in with unmodified boto3."""

from __future__ import annotations

import json
import time
from collections import Counter

from tests.sources.conftest import in_order_per_key, wait_for


def _url(qmaps, name: str) -> str:
    return qmaps.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def _send_all(qmaps, queue: str, bodies: list[str], **extra) -> list[str]:
    sqs, url, ids = qmaps.client("sqs"), _url(qmaps, queue), []
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": b, **{k: v(start + i) for k, v in extra.items()}}
                   for i, b in enumerate(bodies[start:start + 10])]
        resp = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert not resp.get("Failed"), resp
        ids += [r["MessageId"] for r in sorted(resp["Successful"], key=lambda r: int(r["Id"]))]
    return ids


def test_a_failing_message_moves_to_the_dead_letter_queue_after_max_receive_count(qmaps):
    ids = _send_all(qmaps, "jobs", ["bad"])

    def shown():
        out = qmaps.platform.cli("dlq", "show", "jobs-dead", "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    (entry,) = wait_for(shown, 40, "the message in jobs-dead")
    assert entry["kind"] == "message" and entry["messageId"] == ids[0] and entry["payloads"] == ["bad"]
    assert Counter(qmaps.lines("worker-seen.txt"))["bad"] == 2  # maxReceiveCount receives, then the DLQ
    assert "bad" not in qmaps.lines("worker.txt")
    rows = json.loads(qmaps.platform.cli("dlq", "list", "--json").stdout)
    assert {"queue": "jobs-dead", "messages": 1, "feeds": ["queue:jobs (redrive)"]} in rows

    # redrive: back to the queue whose redrive policy names jobs-dead, same body; it fails twice more
    out = qmaps.platform.cli("dlq", "redrive", "jobs-dead")
    assert out.returncode == 0, out.stderr
    assert f"{ids[0]} -> queue:jobs" in out.stdout
    wait_for(lambda: Counter(qmaps.lines("worker-seen.txt"))["bad"] == 4, 40, "two more receives")
    wait_for(shown, 40, "the message back in jobs-dead")


def test_good_messages_are_processed_once(qmaps):
    bodies = [f"job-{i}" for i in range(100)]
    _send_all(qmaps, "jobs", bodies)
    wait_for(lambda: set(bodies) <= set(qmaps.lines("worker.txt")), 30, "100 jobs")
    counts = Counter(b for b in qmaps.lines("worker.txt") if b.startswith("job-"))
    assert all(counts[b] == 1 for b in bodies)


def test_fifo_groups_keep_their_order_with_several_pollers(qmaps):
    groups = ["a", "b", "c", "d"]
    bodies = [str(i) for i in range(200)]
    _send_all(qmaps, "orders.fifo", bodies, MessageGroupId=lambda i: groups[i % len(groups)])
    wait_for(lambda: len(qmaps.lines("ordered.txt")) >= len(bodies), 60, "200 FIFO messages")
    seen = in_order_per_key(qmaps.lines("ordered.txt"), len(bodies))
    for group, ns in seen.items():
        assert all(n % len(groups) == groups.index(group) for n in ns)


def test_report_batch_item_failures_returns_only_the_failed_messages(qmaps):
    items = [{"id": i, "fail_once": i in (3, 7)} for i in range(10)]
    _send_all(qmaps, "partial", [json.dumps(i) for i in items])
    wait_for(lambda: Counter(qmaps.lines("partial-seen.txt"))["3"] >= 2
             and Counter(qmaps.lines("partial-seen.txt"))["7"] >= 2, 30, "the two failed messages again")
    time.sleep(3)  # past the visibility timeout: nothing else comes back
    counts = Counter(qmaps.lines("partial-seen.txt"))
    assert counts["3"] == counts["7"] == 2
    assert all(counts[str(i)] == 1 for i in range(10) if i not in (3, 7))


def test_powertools_batch_processor_gets_aws_partial_failure_behaviour(qmaps):
    bodies = ["ok-1", "flaky-1", "ok-2", "ok-3", "flaky-2"]
    _send_all(qmaps, "tools", bodies)
    wait_for(lambda: Counter(qmaps.lines("tools-seen.txt"))["flaky-2"] >= 2, 30, "the flaky messages again")
    time.sleep(3)
    counts = Counter(qmaps.lines("tools-seen.txt"))
    assert counts == {"ok-1": 1, "ok-2": 1, "ok-3": 1, "flaky-1": 2, "flaky-2": 2}
    attrs = qmaps.client("sqs").get_queue_attributes(QueueUrl=_url(qmaps, "tools"), AttributeNames=["All"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
