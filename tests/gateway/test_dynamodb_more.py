"""BatchGet/BatchWrite, TransactGet/TransactWrite, UpdateTable and TTL through unmodified boto3, on both backends."""

from __future__ import annotations

import concurrent.futures as cf
import random
import threading
import uuid

import asyncpg
import pytest
from botocore.exceptions import ClientError

from overcast.compat.dynamodb import transact
from overcast.compat.dynamodb.service import DynamoService
from overcast.tables.storage import open_storage
from tests.gateway.conftest import PG, make_table


def _error(err) -> tuple[str, str]:
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def _key(pk, sk=None):
    return {"pk": {"S": pk}} | ({"sk": {"N": str(sk)}} if sk is not None else {})


def test_batch_write_and_get_across_tables(dynamo):
    client, _, _ = dynamo
    one, two = make_table(client), make_table(client, range_key=False, indexes=False)
    client.put_item(TableName=two, Item=_key("gone"))
    out = client.batch_write_item(ReturnConsumedCapacity="TOTAL", RequestItems={
        one: [{"PutRequest": {"Item": _key("a", i) | {"n": {"N": str(i)}, "x": {"S": "y"}}}} for i in range(3)],
        two: [{"PutRequest": {"Item": _key("b") | {"v": {"S": "w"}}}}, {"DeleteRequest": {"Key": _key("gone")}}]})
    assert out["UnprocessedItems"] == {}
    assert sorted((c["TableName"], c["CapacityUnits"]) for c in out["ConsumedCapacity"]) == sorted(
        [(one, 3.0), (two, 2.0)])
    got = client.batch_get_item(ReturnConsumedCapacity="TOTAL", RequestItems={
        one: {"Keys": [_key("a", 0), _key("a", 2), _key("missing", 1)], "ProjectionExpression": "#n, sk",
              "ExpressionAttributeNames": {"#n": "n"}, "ConsistentRead": True},
        two: {"Keys": [_key("b"), _key("gone")]}})
    assert got["UnprocessedKeys"] == {}
    assert sorted(got["Responses"][one], key=lambda i: i["sk"]["N"]) == [
        {"n": {"N": "0"}, "sk": {"N": "0"}}, {"n": {"N": "2"}, "sk": {"N": "2"}}]
    assert got["Responses"][two] == [_key("b") | {"v": {"S": "w"}}]
    assert {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]} == {one: 3.0, two: 1.0}


def test_batch_writer_and_resource_batch_get(dynamo):
    client, resource, _ = dynamo
    table = resource.Table(make_table(client))
    with table.batch_writer() as writer:  # 60 puts: boto3 flushes them 25 at a time
        for i in range(60):
            writer.put_item(Item={"pk": "p", "sk": i, "colour": "red" if i % 2 else "blue"})
        for i in range(0, 60, 3):
            writer.delete_item(Key={"pk": "p", "sk": i})
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:  # boto3 drops the duplicate itself
        writer.put_item(Item={"pk": "q", "sk": 1, "v": "first"})
        writer.put_item(Item={"pk": "q", "sk": 1, "v": "second"})
    keys = [{"pk": "p", "sk": i} for i in range(0, 60, 2)] + [{"pk": "q", "sk": 1}]
    got = resource.batch_get_item(RequestItems={table.name: {"Keys": keys}})["Responses"][table.name]
    assert sorted(int(i["sk"]) for i in got if i["pk"] == "p") == [i for i in range(0, 60, 2) if i % 3]
    assert [i["v"] for i in got if i["pk"] == "q"] == ["second"]
    assert table.query(IndexName="by-colour", KeyConditionExpression="colour = :c",
                       ExpressionAttributeValues={":c": "red"}, Select="COUNT")["Count"] == 20


def test_batch_errors(dynamo):
    client, _, _ = dynamo
    one, two = make_table(client), make_table(client, range_key=False, indexes=False)
    cases = [
        (client.batch_get_item, {one: {"Keys": [_key("a", 1), _key("a", 1.0)]}}, "contains duplicates"),
        (client.batch_get_item, {one: {"Keys": [_key("a", i) for i in range(101)]}}, "Too many items requested"),
        (client.batch_write_item, {one: [{"PutRequest": {"Item": _key("a", 1)}},
                                         {"DeleteRequest": {"Key": _key("a", 1)}}]}, "contains duplicates"),
        (client.batch_write_item, {one: [{"PutRequest": {"Item": _key("a", i)}} for i in range(26)]},
         "Member must have length less than or equal to 25"),
        (client.batch_write_item, {one: [{"PutRequest": {"Item": _key("a", i)}} for i in range(13)],
                                   two: [{"PutRequest": {"Item": _key(f"b{i}")}} for i in range(13)]},
         "Too many items requested for the BatchWriteItem call"),
        (client.batch_write_item, {one: [{"PutRequest": {"Item": _key("ok", 1)}},
                                         {"PutRequest": {"Item": {"pk": {"S": "x"}}}}]}, "Missing the key sk"),
        (client.batch_write_item, {two: [{"PutRequest": {"Item": _key("ok")}},
                                         {"PutRequest": {"Item": _key("big") | {"b": {"S": "x" * 410_000}}}}]},
         "Item size has exceeded"),
        (client.batch_get_item, {two: {"Keys": [_key("x")], "ProjectionExpression": "pk",
                                       "ExpressionAttributeNames": {"#u": "u"}}}, "unused"),
    ]
    for call, request, message in cases:
        with pytest.raises(ClientError) as err:
            call(RequestItems=request)
        code, text = _error(err)
        assert code == "ValidationException" and message in text, (message, text)
    # a rejected batch wrote nothing
    assert "Item" not in client.get_item(TableName=one, Key=_key("ok", 1))
    assert "Item" not in client.get_item(TableName=two, Key=_key("ok"))
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.batch_get_item(RequestItems={"no-such-table": {"Keys": [_key("a")]}})


def test_batch_get_stops_at_16_mb_and_hands_back_unprocessed_keys(dynamo):
    client, resource, _ = dynamo
    table = resource.Table(make_table(client, range_key=False, indexes=False))
    bulk = "z" * 390_000
    with table.batch_writer() as writer:
        for i in range(45):  # about 17.5 MB in all
            writer.put_item(Item={"pk": f"k{i}", "fill": bulk})
    request = {table.name: {"Keys": [{"pk": f"k{i}"} for i in range(45)], "ConsistentRead": True,
                            "ProjectionExpression": "pk, fill"}}
    first = resource.batch_get_item(RequestItems=request)
    left = first["UnprocessedKeys"][table.name]
    assert 0 < len(left["Keys"]) < 45 and left["ConsistentRead"] is True and left["ProjectionExpression"]
    seen = [i["pk"] for i in first["Responses"][table.name]]
    assert len(seen) * 390_000 <= 16 * 1024 * 1024
    rest = resource.batch_get_item(RequestItems=first["UnprocessedKeys"])
    assert rest["UnprocessedKeys"] == {}
    assert sorted(seen + [i["pk"] for i in rest["Responses"][table.name]]) == sorted(f"k{i}" for i in range(45))


def _update(table, pk, expr, values, cond=None, **extra):
    spec = {"TableName": table, "Key": _key(pk), "UpdateExpression": expr, "ExpressionAttributeValues": values}
    return {"Update": spec | ({"ConditionExpression": cond} if cond else {}) | extra}


def test_transact_write_is_all_or_nothing_with_reasons_in_order(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    client.put_item(TableName=name, Item=_key("a") | {"n": {"N": "1"}})
    client.put_item(TableName=name, Item=_key("d"))
    out = client.transact_write_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        _update(name, "a", "SET n = n + :one", {":one": {"N": "1"}}, "n = :one"),
        {"Put": {"TableName": name, "Item": _key("b"), "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": name, "Key": _key("d")}},
        {"ConditionCheck": {"TableName": name, "Key": _key("c"), "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert out["ConsumedCapacity"] == [{"TableName": name, "CapacityUnits": 8.0}]
    assert client.get_item(TableName=name, Key=_key("a"))["Item"]["n"] == {"N": "2"}
    assert "Item" in client.get_item(TableName=name, Key=_key("b"))
    assert "Item" not in client.get_item(TableName=name, Key=_key("d"))
    assert "Item" not in client.get_item(TableName=name, Key=_key("c"))
    with pytest.raises(client.exceptions.TransactionCanceledException) as err:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": _key("e")}},
            _update(name, "a", "SET n = :v", {":v": {"N": "9"}}, "n = :v", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
            {"ConditionCheck": {"TableName": name, "Key": _key("zz"), "ConditionExpression": "attribute_exists(pk)"}}])
    reasons = err.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                          "Item": _key("a") | {"n": {"N": "2"}}}
    assert reasons[2] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    assert "[None, ConditionalCheckFailed, ConditionalCheckFailed]" in _error(err)[1]
    assert "Item" not in client.get_item(TableName=name, Key=_key("e"))


def test_transact_write_validation(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    put = {"Put": {"TableName": name, "Item": _key("a")}}
    cases = [
        ([put, {"ConditionCheck": {"TableName": name, "Key": _key("a"), "ConditionExpression": "attribute_exists(pk)"}}],
         "Transaction request cannot include multiple operations on one item"),
        ([{"Put": {"TableName": name, "Item": _key("b"), "ConditionExpression": "attribute_exists(#x)"}}], "#x"),
        ([{"Put": {"TableName": name, "Item": _key("b"), "ConditionExpression": "attribute_exists(pk)",
                   "ExpressionAttributeValues": {":unused": {"N": "1"}}}}], "unused"),
        ([_update(name, "b", "SET n = :v", {":v": {"N": "1"}}, ReturnValuesOnConditionCheckFailure="dog")],
         "returnValuesOnConditionCheckFailure"),
        ([{"Put": {"TableName": name, "Item": _key(f"k{i}")}} for i in range(101)], "less than or equal to 100"),
    ]
    for items, message in cases:
        with pytest.raises(ClientError) as err:
            client.transact_write_items(TransactItems=items)
        assert _error(err)[0] == "ValidationException" and message in _error(err)[1], (message, _error(err))
    with pytest.raises(client.exceptions.TransactionCanceledException) as err:  # a bad item: ValidationError
        client.transact_write_items(TransactItems=[put, {"Put": {"TableName": name, "Item": {"pk": {"N": "7"}}}},
                                                   {"Put": {"TableName": name, "Item": {"pk": {"N": "8"}}}}])
    assert [r["Code"] for r in err.value.response["CancellationReasons"]] == ["None", "ValidationError", "None"]
    client.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": _key(f"k{i}")}} for i in range(100)])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.transact_write_items(TransactItems=[{"Put": {"TableName": "no-such-table", "Item": _key("a")}}])


def test_transact_get_items(dynamo):
    client, _, _ = dynamo
    one, two = make_table(client), make_table(client, range_key=False, indexes=False)
    client.put_item(TableName=one, Item=_key("a", 1) | {"x": {"S": "1"}, "y": {"S": "2"}})
    client.put_item(TableName=two, Item=_key("b"))
    out = client.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Get": {"TableName": two, "Key": _key("b")}},
        {"Get": {"TableName": one, "Key": _key("missing", 1)}},
        {"Get": {"TableName": one, "Key": _key("a", 1), "ProjectionExpression": "#x",
                 "ExpressionAttributeNames": {"#x": "x"}}}])
    assert out["Responses"] == [{"Item": _key("b")}, {}, {"Item": {"x": {"S": "1"}}}]
    assert {c["TableName"]: c["CapacityUnits"] for c in out["ConsumedCapacity"]} == {one: 4.0, two: 2.0}
    with pytest.raises(ClientError) as err:
        client.transact_get_items(TransactItems=[{"Get": {"TableName": two, "Key": _key("b")}}] * 2)
    assert "multiple operations on one item" in _error(err)[1]
    with pytest.raises(ClientError) as err:
        client.transact_get_items(TransactItems=[{"Get": {"TableName": two, "Key": _key("b"),
                                                          "ProjectionExpression": "#a", "ExpressionAttributeNames":
                                                          {"#a": "a", "#q": "q"}}}])
    assert "unused" in _error(err)[1] and "#q" in _error(err)[1]


def test_client_request_token_makes_a_transaction_idempotent(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    client.put_item(TableName=name, Item=_key("c") | {"n": {"N": "0"}})
    bump = [_update(name, "c", "ADD n :one", {":one": {"N": "1"}})]
    token = uuid.uuid4().hex
    for _ in range(3):
        client.transact_write_items(TransactItems=bump, ClientRequestToken=token)
    client.transact_write_items(TransactItems=bump)  # boto3 sends a fresh token of its own
    assert client.get_item(TableName=name, Key=_key("c"))["Item"]["n"] == {"N": "2"}
    with pytest.raises(client.exceptions.IdempotentParameterMismatchException):
        client.transact_write_items(TransactItems=[_update(name, "c", "ADD n :two", {":two": {"N": "2"}})],
                                    ClientRequestToken=token)
    with pytest.raises(ClientError) as err:
        client.transact_write_items(TransactItems=bump, ClientRequestToken="x" * 37)
    assert _error(err)[0] == "ValidationException" and "clientRequestToken" in _error(err)[1]
    # a cancelled transaction claims nothing: fixed and sent again with its token, it applies
    guarded = [_update(name, "c", "ADD n :one", {":one": {"N": "1"}, ":ten": {"N": "10"}}, "n = :ten")]
    token = uuid.uuid4().hex
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=guarded, ClientRequestToken=token)
    client.put_item(TableName=name, Item=_key("c") | {"n": {"N": "10"}})
    client.transact_write_items(TransactItems=guarded, ClientRequestToken=token)
    assert client.get_item(TableName=name, Key=_key("c"))["Item"]["n"] == {"N": "11"}
    # concurrent retries of one request (one token) apply it once, and all succeed
    token, start = uuid.uuid4().hex, threading.Barrier(6)

    def retry(_):
        start.wait()
        client.transact_write_items(TransactItems=bump, ClientRequestToken=token)

    with cf.ThreadPoolExecutor(6) as pool:
        list(pool.map(retry, range(6)))
    assert client.get_item(TableName=name, Key=_key("c"))["Item"]["n"] == {"N": "12"}


def test_concurrent_conditional_transfers_conserve_the_total(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    for pk in ("A", "B"):
        client.put_item(TableName=name, Item=_key(pk) | {"bal": {"N": "100"}})
    moved = {"A": 0, "B": 0}  # committed amounts leaving each account

    def transfers(source):
        target, rng = ("B" if source == "A" else "A"), random.Random(source)
        for _ in range(40):
            amount = {":x": {"N": str(rng.randint(1, 40))}}
            try:
                client.transact_write_items(TransactItems=[
                    _update(name, source, "SET bal = bal - :x", amount, "bal >= :x"),
                    _update(name, target, "SET bal = bal + :x", amount)])
            except client.exceptions.TransactionCanceledException as exc:
                assert {r["Code"] for r in exc.response["CancellationReasons"]} <= {"None", "ConditionalCheckFailed"}
                continue
            moved[source] += int(amount[":x"]["N"])

    sums, done = [], threading.Event()

    def audit():  # TransactGetItems reads both accounts at one point in time: never a transfer half-done
        while not done.is_set():
            got = client.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": _key(pk)}}
                                                           for pk in ("A", "B")])["Responses"]
            sums.append(sum(int(r["Item"]["bal"]["N"]) for r in got))

    with cf.ThreadPoolExecutor(3) as pool:  # one thread each way, one auditor
        auditor = pool.submit(audit)
        list(pool.map(transfers, ["A", "B"]))
        done.set()
        auditor.result()
    assert sums and set(sums) == {200}
    bal = {pk: int(client.get_item(TableName=name, Key=_key(pk))["Item"]["bal"]["N"]) for pk in ("A", "B")}
    assert bal["A"] + bal["B"] == 200 and min(bal.values()) >= 0
    assert bal["A"] == 100 - moved["A"] + moved["B"]  # no lost update


@pytest.mark.parametrize("how", ["transaction", "put_item"])
def test_exactly_one_of_concurrent_conditional_puts_wins(dynamo, how):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    start = threading.Barrier(8)

    def claim(i):
        put = {"TableName": name, "Item": _key("lock") | {"owner": {"N": str(i)}},
               "ConditionExpression": "attribute_not_exists(pk)"}
        start.wait()
        try:
            if how == "put_item":
                client.put_item(**put)
            else:
                client.transact_write_items(TransactItems=[{"Put": put}])
            return i
        except client.exceptions.ConditionalCheckFailedException:
            return None
        except client.exceptions.TransactionCanceledException as exc:
            assert exc.response["CancellationReasons"][0]["Code"] == "ConditionalCheckFailed"
            return None

    with cf.ThreadPoolExecutor(8) as pool:
        winners = [i for i in pool.map(claim, range(8)) if i is not None]
    assert len(winners) == 1
    assert client.get_item(TableName=name, Key=_key("lock"))["Item"]["owner"] == {"N": str(winners[0])}


def _gsi(name, attr, kind="S"):
    return {"AttributeDefinitions": [{"AttributeName": attr, "AttributeType": kind}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": name, "Projection": {"ProjectionType": "ALL"},
                                                        "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}]}}]}


def test_update_table_creates_backfills_and_deletes_a_gsi(dynamo):
    client, resource, _ = dynamo
    table = resource.Table(make_table(client, range_key=False, indexes=False))
    with table.batch_writer() as writer:
        for i in range(30):  # x: a string (indexed), missing, or a number (skipped by the index)
            writer.put_item(Item={"pk": f"k{i}"} | ({"x": f"v{i % 3}"} if i % 3 == 0 else {"x": i} if i % 3 == 1
                                                    else {}))
    out = client.update_table(TableName=table.name, **_gsi("by-x", "x"))["TableDescription"]
    assert [i["IndexName"] for i in out["GlobalSecondaryIndexes"]] == ["by-x"]
    assert {"AttributeName": "x", "AttributeType": "S"} in out["AttributeDefinitions"]
    desc = client.describe_table(TableName=table.name)["Table"]
    assert desc["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert table.query(IndexName="by-x", KeyConditionExpression="x = :v",
                       ExpressionAttributeValues={":v": "v0"}, Select="COUNT")["Count"] == 10
    assert len(table.scan(IndexName="by-x")["Items"]) == 10
    table.put_item(Item={"pk": "new", "x": "v0"})  # later writes maintain it
    assert table.query(IndexName="by-x", KeyConditionExpression="x = :v",
                       ExpressionAttributeValues={":v": "v0"}, Select="COUNT")["Count"] == 11
    with pytest.raises(ClientError) as err:
        table.put_item(Item={"pk": "bad", "x": 3})
    assert "Type mismatch for Index Key x" in _error(err)[1]
    errors = [
        (_gsi("by-x", "y"), "ValidationException", "already exists"),
        (_gsi("by-x2", "x", "N"), "ValidationException", "Attributes cannot be redefined"),
        ({"GlobalSecondaryIndexUpdates": [{"Create": _gsi("idx1", "y")["GlobalSecondaryIndexUpdates"][0]["Create"]}]},
         "ValidationException", "AttributeDefinitions"),
        ({"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "idx1"}}, {"Delete": {"IndexName": "idx2"}}]},
         "LimitExceededException", "Only 1 online index"),
        ({"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "nope"}}]}, "ResourceNotFoundException", "nope"),
        ({}, "ValidationException", "UpdateTable"),
    ]
    for kwargs, code, message in errors:
        with pytest.raises(ClientError) as err:
            client.update_table(TableName=table.name, **kwargs)
        assert _error(err)[0] == code and message in _error(err)[1], (kwargs, _error(err))
    client.update_table(TableName=table.name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-x"}}])
    desc = client.describe_table(TableName=table.name)["Table"]
    assert "GlobalSecondaryIndexes" not in desc and desc["AttributeDefinitions"] == [
        {"AttributeName": "pk", "AttributeType": "S"}]
    with pytest.raises(ClientError) as err:
        table.query(IndexName="by-x", KeyConditionExpression="x = :v", ExpressionAttributeValues={":v": "v0"})
    assert "by-x" in _error(err)[1]
    table.put_item(Item={"pk": "bad", "x": 3})  # no index, no type constraint


def test_update_table_streams(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    spec = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    out = client.update_table(TableName=name, StreamSpecification=spec)["TableDescription"]
    assert out["StreamSpecification"] == spec and out["LatestStreamArn"].startswith(out["TableArn"] + "/stream/")
    assert client.describe_table(TableName=name)["Table"]["StreamSpecification"] == spec
    with pytest.raises(ClientError) as err:
        client.update_table(TableName=name, StreamSpecification=spec | {"StreamViewType": "KEYS_ONLY"})
    assert "already has an enabled stream" in _error(err)[1]
    client.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in client.describe_table(TableName=name)["Table"]
    client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")  # accepted, nothing to change


def test_time_to_live_settings(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    describe = lambda: client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]  # noqa: E731
    assert describe() == {"TimeToLiveStatus": "DISABLED"}
    spec = {"Enabled": True, "AttributeName": "expires"}
    assert client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)["TimeToLiveSpecification"] == spec
    assert describe() == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    for bad, message in [(spec, "already enabled"), (spec | {"AttributeName": "other"}, "different AttributeName"),
                         ({"Enabled": False, "AttributeName": "other"}, "different AttributeName"),
                         (spec | {"AttributeName": "x" * 256}, "length")]:
        with pytest.raises(ClientError) as err:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=bad)
        assert _error(err)[0] == "ValidationException" and message in _error(err)[1]
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"})
    assert describe() == {"TimeToLiveStatus": "DISABLED"}
    with pytest.raises(ClientError) as err:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "e"})
    assert "already disabled" in _error(err)[1]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_time_to_live(TableName="no-such-table")


# -- the same service without a platform, where time and storage can be looked at directly --

@pytest.fixture(params=["sqlite", "postgres"])
async def service(request, tmp_path):
    schema = f"t_{uuid.uuid4().hex[:10]}"
    storage = open_storage(f"sqlite:///{tmp_path}/t.db" if request.param == "sqlite" else f"{PG}?schema={schema}")
    await storage.open()
    try:
        yield DynamoService(storage)
    finally:
        await storage.close()
        if request.param == "postgres":
            conn = await asyncpg.connect(PG)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()


async def test_ttl_attribute_reaches_stored_items(service):
    await service.handle("CreateTable", {"TableName": "ttl", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}, "p")
    for pk, exp in (("old", "1000"), ("new", "9999999999")):
        await service.handle("PutItem", {"TableName": "ttl", "Item": _key(pk) | {"exp": {"N": exp}}}, "p")
    assert await service.storage.expired("ttl", 2000.0, 10) == []  # TTL not enabled yet
    await service.handle("UpdateTimeToLive", {"TableName": "ttl", "TimeToLiveSpecification": {
        "Enabled": True, "AttributeName": "exp"}}, "p")
    assert await service.storage.expired("ttl", 2000.0, 10) == [_key("old")]


async def test_client_request_tokens_expire_after_ten_minutes(service, monkeypatch):
    await service.handle("CreateTable", {"TableName": "tok", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}, "")
    bump = {"TransactItems": [_update("tok", "c", "ADD n :one", {":one": {"N": "1"}})], "ClientRequestToken": "t"}
    clock = [1_000_000.0]
    monkeypatch.setattr(transact.time, "time", lambda: clock[0])

    async def count():
        return (await service.handle("GetItem", {"TableName": "tok", "Key": _key("c")}, "p"))["Item"]["n"]["N"]

    await service.handle("TransactWriteItems", bump, "p")
    await service.handle("TransactWriteItems", bump, "q")  # tokens are per principal (per account in AWS)
    clock[0] += 599
    await service.handle("TransactWriteItems", bump, "p")
    assert await count() == "2"  # p's retry within the window did nothing
    clock[0] += 2  # the window is over: the same token is a new request
    await service.handle("TransactWriteItems", bump, "p")
    assert await count() == "3"
    clock[0] += 700  # the next tokened write sweeps the expired claims
    await service.handle("TransactWriteItems", bump | {"ClientRequestToken": "u"}, "p")
    left = await service.storage.scan(transact.TOKENS, None, 0, 1, None, None, 1 << 20)
    assert [i["token"]["S"] for i in left.items] == ["p\nu"]  # "p\nt" and "q\nt" are gone
    assert "tok" in (await service.handle("ListTables", {}, "p"))["TableNames"]
    assert transact.TOKENS not in (await service.handle("ListTables", {}, "p"))["TableNames"]
