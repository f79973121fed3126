"""Queues on the real engine: a QueueService owns them, the client API sends and receives."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from overcast.queues import client, digest, store
from overcast.queues.errors import InvalidParameterValue, QueueDoesNotExist, QueueNameExists
from overcast.queues.service import QueueService


async def test_send_receive_delete(nc, service, make_queue):
    q = await make_queue()
    attrs = {"colour": {"DataType": "String", "StringValue": "blue"}}
    sent = await client.send(nc, q, "hello", message_attributes=attrs)
    assert sent.md5_of_body == digest.md5_of_body("hello")
    [msg] = await client.receive(nc, q, max_messages=10)
    assert (msg.message_id, msg.body, msg.message_attributes) == (sent.message_id, "hello", attrs)
    assert msg.md5_of_message_attributes == sent.md5_of_message_attributes
    assert msg.attributes["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(msg.attributes)
    await client.delete(nc, q, msg.receipt_handle)
    assert await client.receive(nc, q, visibility=0) == []


async def test_visibility_expiry_and_stale_receipt(nc, service, make_queue):
    q = await make_queue({"VisibilityTimeout": "1"})
    await client.send(nc, q, "again")
    [first] = await client.receive(nc, q)
    assert await client.receive(nc, q) == []
    [second] = await client.receive(nc, q, wait=5)  # answered when the timeout runs out
    assert second.attributes["ApproximateReceiveCount"] == "2"
    await client.delete(nc, q, first.receipt_handle)  # stale: succeeds, deletes nothing
    assert (await client.attributes(nc, q))["ApproximateNumberOfMessagesNotVisible"] == "1"
    await client.delete(nc, q, second.receipt_handle)
    assert (await client.attributes(nc, q))["ApproximateNumberOfMessagesNotVisible"] == "0"


async def test_change_visibility_zero(nc, service, make_queue):
    q = await make_queue()
    await client.send(nc, q, "back")
    [msg] = await client.receive(nc, q, visibility=600)
    await client.change_visibility(nc, q, msg.receipt_handle, 0)
    [again] = await client.receive(nc, q)
    assert again.message_id == msg.message_id
    with pytest.raises(InvalidParameterValue):
        await client.change_visibility(nc, q, msg.receipt_handle, 10)  # stale receipt


async def test_delay_queue_and_message(nc, service, make_queue):
    q = await make_queue({"DelaySeconds": "1"})
    await client.send(nc, q, "queue delay")
    await client.send(nc, q, "no delay", delay=0)
    [now] = await client.receive(nc, q, max_messages=10)
    assert now.body == "no delay"
    attrs = await client.attributes(nc, q)
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
    [later] = await client.receive(nc, q, wait=5)
    assert later.body == "queue delay"


async def test_long_poll_answered_on_arrival(nc, service, make_queue):
    q = await make_queue()
    poll = asyncio.create_task(client.receive(nc, q, wait=20))
    await asyncio.sleep(0.3)
    assert not poll.done()
    await client.send(nc, q, "arrived")
    got = await asyncio.wait_for(poll, 10)  # long before the 20 s wait
    assert [m.body for m in got] == ["arrived"]


async def test_redrive_after_max_receive_count(nc, service, make_queue):
    dlq = await make_queue()
    arn = (await store.get_queue(nc, dlq)).arn
    q = await make_queue({"RedrivePolicy": orjson.dumps({"deadLetterTargetArn": arn,
                                                          "maxReceiveCount": 2}).decode()})
    attrs = {"n": {"DataType": "Number", "StringValue": "7"}}
    sent = await client.send(nc, q, "poison", message_attributes=attrs)
    for _ in range(2):
        [m] = await client.receive(nc, q, visibility=0)
        assert m.body == "poison"
    assert await client.receive(nc, q) == []  # third receive moves it
    [dead] = await client.receive(nc, dlq, wait=5)
    assert (dead.message_id, dead.body, dead.message_attributes) == (sent.message_id, "poison", attrs)
    assert (await client.attributes(nc, q))["ApproximateNumberOfMessages"] == "0"


async def test_fifo_group_order_and_dedup(nc, service, make_queue):
    q = await make_queue({"ContentBasedDeduplication": "true"}, fifo=True)
    for i in range(3):
        await client.send(nc, q, f"a{i}", group="a")
        await client.send(nc, q, f"b{i}", group="b")
    dup = await client.send(nc, q, "a0", group="a")  # same body: deduplicated
    first = await client.send(nc, q, "x", group="c", dedup_id="d1")
    again = await client.send(nc, q, "other body", group="c", dedup_id="d1")
    assert again.message_id == first.message_id and dup.sequence_number is not None
    seen = {"a": [], "b": [], "c": []}
    while True:
        batch = await client.receive(nc, q, max_messages=2)
        if not batch:
            break
        groups = [m.attributes["MessageGroupId"] for m in batch]
        for m in batch:
            seen[m.attributes["MessageGroupId"]].append(m.body)
        # nothing more of these groups while they are in flight
        more = await client.receive(nc, q, max_messages=10, visibility=0)
        assert not {m.attributes["MessageGroupId"] for m in more} & set(groups)
        for m in batch:
            await client.delete(nc, q, m.receipt_handle)
    assert seen == {"a": ["a0", "a1", "a2"], "b": ["b0", "b1", "b2"], "c": ["x"]}


async def test_purge(nc, service, make_queue):
    q = await make_queue()
    for i in range(5):
        await client.send(nc, q, f"m{i}")
    await client.receive(nc, q)
    await client.purge(nc, q)
    attrs = await client.attributes(nc, q)
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
    await client.send(nc, q, "after")
    assert [m.body for m in await client.receive(nc, q, max_messages=10)] == ["after"]


@pytest.mark.parametrize("release", [True, False])
async def test_new_owner_gets_every_undeleted_message(nc, make_queue, release):
    first = QueueService(nc, lease_seconds=2.0, tick=0.3)
    await first.start()
    q = await make_queue()
    for i in range(20):
        await client.send(nc, q, f"m{i}")
    got = await client.receive(nc, q, max_messages=10, visibility=600)
    for m in got[:4]:
        await client.delete(nc, q, m.receipt_handle)
    await first.stop(release=release)  # release=False: as if it crashed, the lease must expire
    second = QueueService(nc, lease_seconds=2.0, tick=0.3)
    await second.start()
    try:
        bodies = []
        while True:
            batch = await client.receive(nc, q, max_messages=10, wait=1 if bodies else 8)
            if not batch:
                break
            bodies += [m.body for m in batch]
            for m in batch:
                await client.delete(nc, q, m.receipt_handle)
        assert sorted(bodies) == sorted(f"m{i}" for i in range(20) if f"m{i}" not in {m.body for m in got[:4]})
    finally:
        await second.stop()


async def test_store_errors_and_idempotent_create(nc, make_queue):
    q = await make_queue({"VisibilityTimeout": "40"})
    assert (await store.create_queue(nc, q, {"VisibilityTimeout": "40"})).name == q
    with pytest.raises(QueueNameExists):
        await store.create_queue(nc, q, {"VisibilityTimeout": "41"})
    assert q in await store.list_queues(nc, prefix=q[:6])
    await store.delete_queue(nc, q)
    with pytest.raises(QueueDoesNotExist):
        await store.get_queue(nc, q)
    with pytest.raises(QueueDoesNotExist):
        await client.send(nc, q, "nowhere")
