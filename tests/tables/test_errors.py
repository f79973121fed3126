"""Table errors carry DynamoDB's error names and wording."""

from __future__ import annotations

from overcast.errors import OvercastError
from overcast.tables.errors import (
    ConditionalCheckFailedException,
    DynamoError,
    ResourceInUseException,
    ResourceNotFoundException,
    TransactionCanceledException,
    ValidationException,
)


def test_every_error_is_an_overcast_error_with_the_aws_name():
    for cls, name in [
        (ValidationException, "ValidationException"),
        (ConditionalCheckFailedException, "ConditionalCheckFailedException"),
        (ResourceNotFoundException, "ResourceNotFoundException"),
        (ResourceInUseException, "ResourceInUseException"),
        (TransactionCanceledException, "TransactionCanceledException"),
    ]:
        assert issubclass(cls, DynamoError) and issubclass(cls, OvercastError)
        assert cls.aws_name == name
        assert cls.http_status == 400


def test_validation_exception_to_dict():
    err = ValidationException("One or more parameter values were invalid: x")
    assert err.to_dict() == {
        "code": "tables.validation",
        "message": "One or more parameter values were invalid: x",
        "__type": "ValidationException",
    }


def test_conditional_check_failed_default_message_and_item():
    err = ConditionalCheckFailedException()
    assert err.message == "The conditional request failed"
    assert err.item is None and "Item" not in err.to_dict()
    item = {"pk": {"S": "a"}}
    err = ConditionalCheckFailedException(item=item)
    assert err.item == item
    assert err.to_dict()["Item"] == item


def test_resource_errors_default_messages():
    assert ResourceNotFoundException().message == "Requested resource not found"
    assert ResourceInUseException().message == "Resource in use"


def test_transaction_canceled_lists_reason_codes_in_order():
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    err = TransactionCanceledException(reasons)
    assert err.reasons == reasons
    assert err.message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    )
    assert err.to_dict()["CancellationReasons"] == reasons
    assert err.to_dict()["__type"] == "TransactionCanceledException"
