"""Acknowledged writes survive a kill -9 of the whole platform (SQLite backend)."""

from __future__ import annotations

import signal

from botocore.config import Config

from overcast.testing import alive, running_platform
from tests.conftest import FIXTURES, copy_stack


def client_for(p):
    return p.aws_session().client("dynamodb", endpoint_url=p.url, config=Config(retries={"max_attempts": 1}))


def test_acknowledged_items_are_there_after_kill_9_and_restart(tmp_path):
    stack = copy_stack(FIXTURES / "boto", tmp_path / "boto")
    with running_platform(stack) as p:
        c = client_for(p)
        c.create_table(TableName="durable", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        for i in range(300):
            c.put_item(TableName="durable", Item={"id": {"S": f"k{i}"}, "n": {"N": str(i)}})
        tree = p.descendants()
        p.proc.send_signal(signal.SIGKILL)  # no clean shutdown: not for the engine, not for SQLite
        p.proc.wait(10)
        for pid in tree:
            assert not alive(pid) or _wait_dead(pid)
    with running_platform(stack) as p2:
        c = client_for(p2)
        found, start = [], None
        while True:
            page = c.scan(TableName="durable", **({"ExclusiveStartKey": start} if start else {}))
            found += [int(i["n"]["N"]) for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        assert sorted(found) == list(range(300))


def _wait_dead(pid: int, timeout: float = 10.0) -> bool:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False
