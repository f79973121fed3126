"""DynamoDB's API on the gateway, driven by unmodified boto3, against both table backends."""

from __future__ import annotations

import concurrent.futures as cf
from decimal import Decimal

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.gateway.conftest import make_table


def test_table_lifecycle(dynamo):
    client, _, _ = dynamo
    name = make_table(client)
    desc = client.describe_table(TableName=name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert desc["GlobalSecondaryIndexes"][0]["IndexName"] == "by-colour"
    assert name in client.list_tables()["TableNames"]
    with pytest.raises(client.exceptions.ResourceInUseException):
        make_table(client, name)
    client.delete_table(TableName=name)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName=name)


def test_put_get_update_delete_with_conditions(dynamo):
    client, _, _ = dynamo
    name = make_table(client)
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    client.put_item(TableName=name, Item={**key, "n": {"N": "5"}, "tags": {"SS": ["x"]}})
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName=name, Item=key, ConditionExpression="attribute_not_exists(pk)")
    out = client.update_item(TableName=name, Key=key, ReturnValues="UPDATED_NEW",
                             UpdateExpression="SET n = n + :one, note = :t ADD tags :more REMOVE stuff",
                             ExpressionAttributeValues={":one": {"N": "1"}, ":t": {"S": "hi"},
                                                        ":more": {"SS": ["y"]}})
    assert out["Attributes"]["n"] == {"N": "6"} and out["Attributes"]["note"] == {"S": "hi"}
    got = client.get_item(TableName=name, Key=key, ProjectionExpression="n, tags")["Item"]
    assert got["n"] == {"N": "6"} and sorted(got["tags"]["SS"]) == ["x", "y"] and "note" not in got
    old = client.delete_item(TableName=name, Key=key, ReturnValues="ALL_OLD",
                             ConditionExpression="n = :six", ExpressionAttributeValues={":six": {"N": "6"}})
    assert old["Attributes"]["note"] == {"S": "hi"}
    assert "Item" not in client.get_item(TableName=name, Key=key)


def test_query_order_pagination_filters_and_index(dynamo):
    client, _, _ = dynamo
    name = make_table(client)
    for i in range(25):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i - 10)},
                                              "colour": {"S": "red" if i % 2 else "blue"}})
    seen, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = client.query(TableName=name, KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
                            ExpressionAttributeValues={":p": {"S": "p"}, ":lo": {"N": "-5"}, ":hi": {"N": "5"}},
                            Limit=4, ScanIndexForward=False, **kwargs)
        seen += [int(i["sk"]["N"]) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert seen == list(range(5, -6, -1))
    red = client.query(TableName=name, IndexName="by-colour", KeyConditionExpression="colour = :c",
                       FilterExpression="sk > :z", ExpressionAttributeValues={":c": {"S": "red"}, ":z": {"N": "0"}})
    assert [int(i["sk"]["N"]) for i in red["Items"]] == [1, 3, 5, 7, 9, 11, 13]
    assert red["ScannedCount"] == 12 and red["Count"] == 7
    count = client.query(TableName=name, KeyConditionExpression="pk = :p", Select="COUNT",
                         ExpressionAttributeValues={":p": {"S": "p"}})
    assert count["Count"] == 25 and "Items" not in count


def test_parallel_scan_segments_cover_every_item_once(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    for i in range(40):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
    found = []
    for segment in range(4):
        found += [i["pk"]["S"] for i in client.scan(TableName=name, Segment=segment, TotalSegments=4)["Items"]]
    assert sorted(found) == sorted(f"k{i}" for i in range(40))


def test_numbers_are_exact_and_items_are_limited_to_400kb(dynamo):
    client, resource, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    table = resource.Table(name)
    big = Decimal("1234567890123456789012345678.9012345678")  # 38 significant digits
    table.put_item(Item={"pk": "n", "value": big, "tiny": Decimal("1E-130")})
    item = table.get_item(Key={"pk": "n"})["Item"]
    assert item["value"] == big and item["tiny"] == Decimal("1E-130")
    with pytest.raises(ClientError) as err:
        client.put_item(TableName=name, Item={"pk": {"S": "big"}, "blob": {"S": "x" * (400 * 1024)}})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "size" in err.value.response["Error"]["Message"].lower()


def test_concurrent_conditional_increments_lose_nothing(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    client.put_item(TableName=name, Item={"pk": {"S": "c"}, "n": {"N": "0"}})

    def bump(_):
        for _ in range(25):
            client.update_item(TableName=name, Key={"pk": {"S": "c"}}, UpdateExpression="ADD n :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})

    with cf.ThreadPoolExecutor(4) as pool:
        list(pool.map(bump, range(4)))
    assert client.get_item(TableName=name, Key={"pk": {"S": "c"}})["Item"]["n"] == {"N": "100"}


def test_validation_errors_come_back_as_boto3_exceptions(dynamo):
    client, _, _ = dynamo
    name = make_table(client, range_key=False, indexes=False)
    with pytest.raises(ClientError) as err:
        client.put_item(TableName=name, Item={"other": {"S": "x"}})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "Missing the key pk in the item" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        client.get_item(TableName=name, Key={"pk": {"S": "x"}}, ProjectionExpression="#n",
                        ExpressionAttributeNames={"#n": "a", "#unused": "b"})
    assert "unused" in err.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="no-such-table", Key={"pk": {"S": "x"}})


def test_bad_credentials_are_refused_like_aws(dynamo):
    _, _, p = dynamo
    wrong = boto3.client("dynamodb", endpoint_url=p.url, region_name="us-east-1",
                         aws_access_key_id="AKIAWRONGWRONGWRONG1", aws_secret_access_key="x" * 40,
                         config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as err:
        wrong.list_tables()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
    bad_secret = boto3.client("dynamodb", endpoint_url=p.url, region_name="us-east-1",
                              aws_access_key_id=p.aws_session().get_credentials().access_key,
                              aws_secret_access_key="y" * 40, config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as err:
        bad_secret.list_tables()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_a_handler_uses_plain_boto3_through_an_http_route(dynamo):
    import httpx

    client, _, p = dynamo
    client.create_table(TableName="things", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    put = httpx.put(p.url + "/items/things/1", json={"name": "widget", "count": 3}, timeout=30)
    assert put.status_code == 201, put.text
    assert httpx.get(p.url + "/items/things/1", timeout=30).json() == {"id": "1", "name": "widget", "count": "3"}
    stored = client.get_item(TableName="things", Key={"id": {"S": "1"}})["Item"]
    assert stored["count"] == {"N": "3"}
    assert httpx.delete(p.url + "/items/things/1", timeout=30).json() == {"deleted": True}
    assert httpx.get(p.url + "/items/things/1", timeout=30).status_code == 404


def test_index_keys_over_the_key_size_limit_are_refused(dynamo):
    client, _, _ = dynamo
    name = make_table(client)  # GSI by-colour on "colour"
    with pytest.raises(ClientError) as err:
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1"}, "colour": {"S": "x" * 3000}})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "2048-byte key size limit" in err.value.response["Error"]["Message"]


def test_deletion_protection_is_refused_not_ignored(dynamo):
    client, _, _ = dynamo
    with pytest.raises(ClientError) as err:
        client.create_table(TableName="protected-one", BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True,
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "DeletionProtectionEnabled is not supported" in err.value.response["Error"]["Message"]
