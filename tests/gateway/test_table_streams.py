"""Change records of committed writes (DynamoDB Streams shape) and TTL deletions, end to end."""

from __future__ import annotations

import asyncio
import os
import time

import nats
import orjson
import pytest
from botocore.config import Config

from overcast.engine import subjects
from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    stack = copy_stack(FIXTURES / "boto", tmp_path_factory.mktemp("streams") / "boto")
    old = os.environ.get("OVERCAST_TTL_SWEEP_S")
    os.environ["OVERCAST_TTL_SWEEP_S"] = "0.5"
    try:
        with running_platform(stack) as p:
            p.client = p.aws_session().client("dynamodb", endpoint_url=p.url,
                                              config=Config(retries={"max_attempts": 1}))
            yield p
    finally:
        if old is None:
            os.environ.pop("OVERCAST_TTL_SWEEP_S", None)
        else:
            os.environ["OVERCAST_TTL_SWEEP_S"] = old


def records(p, table: str, want: int, timeout: float = 15.0) -> list[dict]:
    async def read():
        nc = await nats.connect(p.nats_url)
        js = nc.jetstream()
        out = []
        deadline = time.monotonic() + timeout
        sub = await js.subscribe(subjects.table_changes(table), ordered_consumer=True,
                                 stream=subjects.TABLE_CHANGES_STREAM)
        try:
            while len(out) < want and time.monotonic() < deadline:
                try:
                    msg = await sub.next_msg(timeout=0.5)
                except Exception:
                    continue
                out.append(orjson.loads(msg.data))
        finally:
            await nc.close()
        return out
    return asyncio.run(read())


def test_every_committed_write_becomes_one_record_and_failed_ones_none(platform):
    c = platform.client
    c.create_table(TableName="events.log", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    c.put_item(TableName="events.log", Item={"id": {"S": "a"}, "v": {"N": "1"}})
    with pytest.raises(c.exceptions.ConditionalCheckFailedException):
        c.put_item(TableName="events.log", Item={"id": {"S": "a"}, "v": {"N": "99"}},
                   ConditionExpression="attribute_not_exists(id)")
    c.update_item(TableName="events.log", Key={"id": {"S": "a"}}, UpdateExpression="SET v = :two",
                  ExpressionAttributeValues={":two": {"N": "2"}})
    c.delete_item(TableName="events.log", Key={"id": {"S": "a"}})
    got = records(platform, "events.log", 3)
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = got
    assert insert["dynamodb"]["NewImage"] == {"id": {"S": "a"}, "v": {"N": "1"}} and "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["v"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert remove["dynamodb"]["OldImage"]["v"] == {"N": "2"} and "NewImage" not in remove["dynamodb"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    for r in got:
        assert r["eventSource"] == "aws:dynamodb" and r["awsRegion"] == "us-east-1"
        assert r["dynamodb"]["Keys"] == {"id": {"S": "a"}}
        assert r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert r["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:000000000000:table/events.log/stream/")
    assert len(records(platform, "events.log", 4, timeout=2)) == 3  # nothing for the refused write


def test_items_past_their_ttl_are_swept_and_emitted_as_service_removals(platform):
    c = platform.client
    c.create_table(TableName="sessions", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    c.update_time_to_live(TableName="sessions", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(time.time())
    c.put_item(TableName="sessions", Item={"id": {"S": "old"}, "exp": {"N": str(now - 10)}})
    c.put_item(TableName="sessions", Item={"id": {"S": "fresh"}, "exp": {"N": str(now + 3600)}})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and "Item" in c.get_item(TableName="sessions", Key={"id": {"S": "old"}}):
        time.sleep(0.2)
    assert "Item" not in c.get_item(TableName="sessions", Key={"id": {"S": "old"}})
    assert "Item" in c.get_item(TableName="sessions", Key={"id": {"S": "fresh"}})
    got = records(platform, "sessions", 3)
    removal = [r for r in got if r["eventName"] == "REMOVE"]
    assert len(removal) == 1 and removal[0]["dynamodb"]["Keys"] == {"id": {"S": "old"}}
    assert removal[0]["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert all("userIdentity" not in r for r in got if r["eventName"] == "INSERT")
