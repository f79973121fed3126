"""DynamoDB's JSON 1.0 wire format: targets, responses, errors (pure)."""

from __future__ import annotations

import zlib

import orjson

from overcast.errors import OvercastError

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = b"application/x-amz-json-1.0"
ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def operation(target: str | None) -> str | None:
    """The operation named by an ``X-Amz-Target`` header, or None when it is not DynamoDB's."""
    if target and target.startswith(TARGET_PREFIX):
        return target[len(TARGET_PREFIX):]
    return None


def response(status: int, body: dict, request_id: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    data = orjson.dumps(body)
    headers = [(b"content-type", CONTENT_TYPE), (b"x-amzn-requestid", request_id.encode()),
               # boto3 checks this CRC of the body, as DynamoDB sends it
               (b"x-amz-crc32", str(zlib.crc32(data) & 0xFFFFFFFF).encode())]
    return status, headers, data


def error(exc: OvercastError, request_id: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    name = exc.aws_name or "InternalServerError"
    body = {"__type": ERROR_PREFIX + name, "message": exc.message}
    extra = exc.to_dict()
    for key in ("Item", "CancellationReasons"):
        if key in extra:
            body[key] = extra[key]
    return response(exc.http_status if exc.http_status < 500 else 500, body, request_id)
