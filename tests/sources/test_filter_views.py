"""Lambda event filtering: the record views (Kinesis, SQS, DynamoDB) patterns are matched against."""

from __future__ import annotations

import base64
import json

import pytest

from overcast.sources.filter_views import dynamodb_view, kinesis_view, sqs_view
from overcast.sources.filtering import compile_patterns
from tests.sources.test_records import KRecord


def test_kinesis_view_decodes_json_data():
    rec = KRecord(json.dumps({"Location": "Los Angeles", "t": 55}).encode(), "1", "42", 1.5)
    view = kinesis_view(rec)
    assert view["data"] == {"Location": "Los Angeles", "t": 55}
    f = compile_patterns([{"partitionKey": ["1"], "data": {"Location": ["Los Angeles"]}}])
    assert f.matches(view)
    assert not compile_patterns([{"data": {"t": [{"numeric": [">", 60]}]}}]).matches(view)


def test_kinesis_view_of_an_event_record():
    payload = base64.b64encode(b'{"RequestCode": "AAAA"}').decode()
    rec = {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "1", "sequenceNumber": "9", "data": payload,
                       "approximateArrivalTimestamp": 1.0}, "eventSource": "aws:kinesis"}
    assert compile_patterns([{"data": {"RequestCode": ["AAAA"]}}]).matches(kinesis_view(rec))
    assert rec["kinesis"]["data"] == payload  # the record itself is untouched


@pytest.mark.parametrize("data", [b"plain text", b"\xff\xfe", b"42", b'"a string"'])
def test_kinesis_data_that_is_not_json_matches_no_data_pattern(data):
    view = kinesis_view(KRecord(data, "1", "1", 0.0))
    for pattern in ({"data": {"a": ["b"]}}, {"data": [{"exists": True}]}, {"data": [{"exists": False}]},
                    {"data": [data.decode("latin-1")]}):
        assert not compile_patterns([pattern]).matches(view)
    assert compile_patterns([{"partitionKey": ["1"]}]).matches(view)  # metadata still filters


def test_sqs_view_body_json_or_plain_string():
    json_msg = {"messageId": "1", "body": '{"message": "foo1", "n": 3}', "attributes": {"SenderId": "X"}}
    text_msg = {"messageId": "2", "body": "Test message.", "attributes": {"SenderId": "X"}}
    json_pattern = compile_patterns([{"body": {"message": ["foo1"]}}])
    text_pattern = compile_patterns([{"body": ["Test message."]}])
    assert json_pattern.matches(sqs_view(json_msg))
    assert not json_pattern.matches(sqs_view(text_msg))  # plain body, JSON pattern: dropped
    assert text_pattern.matches(sqs_view(text_msg))
    assert not compile_patterns([{"body": ['{"message": "foo1", "n": 3}']}]).matches(sqs_view(json_msg))
    assert compile_patterns([{"attributes": {"SenderId": ["X"]}}]).matches(sqs_view(text_msg))
    assert json_msg["body"].startswith("{")  # views copy, they do not change the message


def test_dynamodb_view():
    rec = {"eventName": "INSERT", "dynamodb": {"Keys": {"Id": {"N": "101"}},
                                               "NewImage": {"Message": {"S": "New item!"}}}}
    assert compile_patterns([{"dynamodb": {"Keys": {"Id": {"N": ["101"]}}}}]).matches(dynamodb_view(rec))
    assert compile_patterns([{"eventName": ["INSERT", "MODIFY"]}]).matches(dynamodb_view(rec))
    assert not compile_patterns([{"eventName": ["REMOVE"]}]).matches(dynamodb_view(rec))
    assert not compile_patterns([{"dynamodb": {"NewImage": {"Message": {"S": [{"prefix": "Old"}]}}}}]).matches(
        dynamodb_view(rec))
