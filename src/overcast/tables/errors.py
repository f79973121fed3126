"""Errors of the DynamoDB-compatible tables.

Each class carries ``aws_name`` exactly as DynamoDB spells the suffix of its
``__type`` (``com.amazonaws.dynamodb.v20120810#<aws_name>``), so the wire layer
can answer with the shape boto3 expects. Messages follow DynamoDB's wording.
"""

from __future__ import annotations

from overcast.errors import OvercastError


class DynamoError(OvercastError):
    """Base of every table error."""

    code = "tables.error"
    http_status = 400
    aws_name = "InternalServerError"


class ValidationException(DynamoError):
    """A request, expression or attribute value is invalid."""

    code = "tables.validation"
    aws_name = "ValidationException"


class ConditionalCheckFailedException(DynamoError):
    """A ConditionExpression evaluated to false.

    ``item`` is the existing item, returned when the request asked for
    ``ReturnValuesOnConditionCheckFailure=ALL_OLD``.
    """

    code = "tables.conditional_check_failed"
    aws_name = "ConditionalCheckFailedException"

    def __init__(self, message: str = "The conditional request failed", item: dict | None = None) -> None:
        super().__init__(message)
        self.item = item

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.item is not None:
            out["Item"] = self.item
        return out


class ResourceNotFoundException(DynamoError):
    code = "tables.not_found"
    aws_name = "ResourceNotFoundException"

    def __init__(self, message: str = "Requested resource not found", **details: object) -> None:
        super().__init__(message, **details)


class ResourceInUseException(DynamoError):
    code = "tables.in_use"
    aws_name = "ResourceInUseException"

    def __init__(self, message: str = "Resource in use", **details: object) -> None:
        super().__init__(message, **details)


class TransactionCanceledException(DynamoError):
    """A transaction was cancelled; ``reasons`` has one entry per action, in order.

    Each reason is a dict shaped like DynamoDB's ``CancellationReason``:
    ``{"Code": "None"}`` or ``{"Code": "ConditionalCheckFailed", "Message": ..., "Item": ...}``.
    """

    code = "tables.transaction_canceled"
    aws_name = "TransactionCanceledException"

    def __init__(self, reasons: list[dict], message: str | None = None) -> None:
        self.reasons = list(reasons)
        codes = ", ".join(str(r.get("Code", "None")) for r in self.reasons)
        super().__init__(
            message or f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"
        )

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["CancellationReasons"] = self.reasons
        return out
