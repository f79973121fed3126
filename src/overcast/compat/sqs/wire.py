"""SQS's JSON 1.0 wire format: responses, errors, request fields, queue URLs (pure)."""

from __future__ import annotations

import orjson

from overcast.asgi import Answer
from overcast.errors import OvercastError
from overcast.queues.errors import InvalidParameterValue, MissingParameter, QueueDoesNotExist
from overcast.runtime.config import ACCOUNT_ID

TARGET_PREFIX = "AmazonSQS."
SIGNING_NAME = "sqs"
CONTENT_TYPE = b"application/x-amz-json-1.0"
ERROR_PREFIX = "com.amazonaws.sqs#"

# SQS moved from the query protocol to JSON; boto3 picks the exception class from the __type and
# reports the old query error code, which SQS sends in x-amzn-query-error ("CODE;Sender").
_QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
}


def response(status: int, body: dict, request_id: str) -> Answer:
    return status, [(b"content-type", CONTENT_TYPE), (b"x-amzn-requestid", request_id.encode())], orjson.dumps(body)


def error(exc: OvercastError, request_id: str) -> Answer:
    name = exc.aws_name or "InternalError"
    status = exc.http_status if exc.http_status < 500 else 500
    status = 400 if status == 413 else status  # SQS answers 400 to every client error, too large ones included
    fault = "Sender" if status < 500 else "Receiver"
    status_, headers, body = response(status, {"__type": ERROR_PREFIX + name, "message": exc.message}, request_id)
    headers.append((b"x-amzn-query-error", f"{_QUERY_CODES.get(name, name)};{fault}".encode()))
    return status_, headers, body


def queue_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/{ACCOUNT_ID}/{name}"


def queue_name(req: dict) -> str:
    """The queue a request names by its QueueUrl: any URL whose last path segment is the name."""
    url = req.get("QueueUrl")
    if not isinstance(url, str) or not url:
        raise MissingParameter("The request must contain the parameter QueueUrl.")
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not name:
        raise QueueDoesNotExist(url)
    return name


def required(req: dict, field: str):
    value = req.get(field)
    if value is None or value == "":
        raise MissingParameter(f"The request must contain the parameter {field}.")
    return value


def int_param(req: dict, field: str, low: int, high: int, limit: str | None = None) -> int | None:
    """An optional integer field within [low, high]; the error names the limit when one applies."""
    value = req.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        where = f" (limit {limit})" if limit else ""
        raise InvalidParameterValue(f"Value {value} for parameter {field} is invalid. Reason: it must be an integer "
                                    f"from {low} to {high}{where}.")
    return value


def names(req: dict, field: str) -> list[str]:
    value = req.get(field) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameterValue(f"{field} must be a list of strings")
    return value
