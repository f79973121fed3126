"""Admission rules of a pool (pure: no process is started by admit())."""

from __future__ import annotations

import orjson
import pytest

from overcast import limits
from overcast.engine import protocol
from overcast.runtime.config import FunctionConfig
from overcast.runtime.pool import Account, Pool


def make_pool(concurrency=None, account=None) -> Pool:
    cfg = FunctionConfig(stage="dev", stack="s", name="f", handler="app.handler", root="/tmp", memory=128, timeout=3,
                         concurrency=concurrency)
    return Pool(cfg, forkserver=None, account=account or Account(), publish_logs=lambda *a: None)


def test_function_concurrency_admits_up_to_its_value_then_throttles():
    pool = make_pool(concurrency=2)
    assert pool.admit() is None and pool.admit() is None
    third = pool.admit()
    assert isinstance(third, protocol.Reply) and third.status == protocol.THROTTLED
    body = orjson.loads(third.payload)
    assert body["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert body["limit"] == "lambda.function_concurrency" and body["limitValue"] == 2
    pool._count(-1)  # one invocation finished
    assert pool.admit() is None


@pytest.fixture
def small_account():
    limits.configure({"lambda.account_concurrency": 3})
    yield
    limits.configure({})


def test_account_concurrency_is_shared_by_every_pool(small_account):
    account = Account()
    a, b = make_pool(account=account), make_pool(account=account)
    assert a.admit() is None and a.admit() is None and b.admit() is None
    throttled = b.admit()
    assert throttled.status == protocol.THROTTLED
    assert orjson.loads(throttled.payload)["limit"] == "lambda.account_concurrency"
    assert orjson.loads(throttled.payload)["limitValue"] == 3


def test_code_change_renews_the_generation():
    changed = iter([False, True, False])
    pool = make_pool()
    pool.code_changed = lambda: next(changed)
    pool.admit()
    assert pool.generation == 0
    pool.admit()
    assert pool.generation == 1
    pool.admit()
    assert pool.generation == 1


def test_hard_limits_cannot_be_overridden():
    with pytest.raises(ValueError, match="lambda.timeout is hard"):
        limits.Registry(limits._DECLARED, {"lambda.timeout": 1000})
    with pytest.raises(KeyError, match="no limit named"):
        limits.Registry(limits._DECLARED, {"lambda.nope": 1})
