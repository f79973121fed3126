"""CRUD over the `todos` table, written exactly as for AWS Lambda + API Gateway + DynamoDB."""

import base64
import json
import os
import uuid
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def _json(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _clean(item):
    """boto3 gives numbers as Decimal; JSON wants ints."""
    return {k: (int(v) if isinstance(v, Decimal) else v) for k, v in item.items()}


def _body(event):
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):  # API Gateway base64-encodes non-text bodies (e.g. form posts)
        raw = base64.b64decode(raw)
    return json.loads(raw)


def handler(event, context):
    method = event["requestContext"]["http"]["method"]
    todo_id = (event.get("pathParameters") or {}).get("id")
    if todo_id is None and method == "GET":
        return _json(200, {"todos": sorted((_clean(i) for i in table.scan()["Items"]), key=lambda i: i["id"])})
    if todo_id is None and method == "POST":
        body = _body(event)
        item = {"id": uuid.uuid4().hex[:12], "title": body.get("title", ""), "done": False}
        table.put_item(Item=item)
        return _json(201, item)
    if method == "GET":
        item = table.get_item(Key={"id": todo_id}).get("Item")
        return _json(200, _clean(item)) if item else _json(404, {"message": "no such todo"})
    if method == "PUT":
        body = _body(event)
        try:
            new = table.update_item(
                Key={"id": todo_id}, UpdateExpression="SET title = :t, done = :d",
                ConditionExpression="attribute_exists(id)", ReturnValues="ALL_NEW",
                ExpressionAttributeValues={":t": body.get("title", ""), ":d": bool(body.get("done"))})["Attributes"]
        except table.meta.client.exceptions.ConditionalCheckFailedException:
            return _json(404, {"message": "no such todo"})
        return _json(200, _clean(new))
    old = table.delete_item(Key={"id": todo_id}, ReturnValues="ALL_OLD").get("Attributes")
    return _json(200 if old else 404, {"deleted": bool(old)})
