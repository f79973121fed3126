"""Errors of SQS-compatible queues; ``aws_name`` is the SQS error shape boto3 maps to its exception class."""

from __future__ import annotations

from overcast.errors import OvercastError


class QueueError(OvercastError):
    code = "queue.invalid"
    http_status = 400
    aws_name = "InvalidParameterValue"


class InvalidParameterValue(QueueError):
    code = "queue.invalid_parameter"


class MissingParameter(QueueError):
    code = "queue.missing_parameter"
    aws_name = "MissingParameter"


class QueueDoesNotExist(QueueError):
    code = "queue.not_found"
    aws_name = "QueueDoesNotExist"

    def __init__(self, name: str) -> None:
        super().__init__(f"The specified queue does not exist: {name}")


class QueueNameExists(QueueError):
    code = "queue.name_exists"
    aws_name = "QueueNameExists"


class InvalidAttributeName(QueueError):
    code = "queue.invalid_attribute_name"
    aws_name = "InvalidAttributeName"


class InvalidAttributeValue(QueueError):
    code = "queue.invalid_attribute_value"
    aws_name = "InvalidAttributeValue"


class InvalidMessageContents(QueueError):
    code = "queue.invalid_message_contents"
    aws_name = "InvalidMessageContents"


class ReceiptHandleIsInvalid(QueueError):
    code = "queue.invalid_receipt_handle"
    aws_name = "ReceiptHandleIsInvalid"


class EmptyBatchRequest(QueueError):
    code = "queue.empty_batch"
    aws_name = "EmptyBatchRequest"


class BatchEntryIdsNotDistinct(QueueError):
    code = "queue.batch_ids_not_distinct"
    aws_name = "BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(QueueError):
    code = "queue.invalid_batch_id"
    aws_name = "InvalidBatchEntryId"


class BatchRequestTooLong(QueueError):
    code = "queue.batch_too_long"
    aws_name = "BatchRequestTooLong"


class UnsupportedOperation(QueueError):
    code = "queue.unsupported"
    aws_name = "UnsupportedOperation"


class OwnerUnavailable(OvercastError):
    """No dispatcher holds the queue right now (none running, or a takeover in progress)."""

    code = "queue.owner_unavailable"
    http_status = 503
    aws_name = "ServiceUnavailable"


_BY_CODE = {cls.code: cls for cls in (
    QueueError, InvalidParameterValue, MissingParameter, QueueNameExists, InvalidAttributeName,
    InvalidAttributeValue, InvalidMessageContents, ReceiptHandleIsInvalid, EmptyBatchRequest,
    BatchEntryIdsNotDistinct, InvalidBatchEntryId, BatchRequestTooLong, UnsupportedOperation, OwnerUnavailable,
)}


def to_reply(exc: OvercastError) -> dict:
    """An error raised in a queue's owner, as carried back to the requesting process."""
    return {"code": exc.code, "message": exc.message}


def from_reply(doc: dict) -> OvercastError:
    cls = _BY_CODE.get(doc.get("code"), QueueError)
    return cls(doc.get("message") or "queue request failed")
