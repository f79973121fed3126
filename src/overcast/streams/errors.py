"""Errors of the Kinesis-compatible streams, named as Kinesis names them (``aws_name``).

Over-limit errors are :class:`overcast.errors.LimitExceeded` built from the
``kinesis.*`` limits (:func:`over_limit`), so they name the limit and its value.
"""

from __future__ import annotations

from overcast import limits
from overcast.errors import LimitExceeded, OvercastError


class StreamError(OvercastError):
    """Base of every stream error; Kinesis answers all of them with HTTP 400."""

    code = "streams.error"
    http_status = 400
    aws_name = "InternalFailureException"


class StreamNotFound(StreamError):
    code = "streams.not_found"
    aws_name = "ResourceNotFoundException"


class StreamInUse(StreamError):
    code = "streams.in_use"
    aws_name = "ResourceInUseException"


class InvalidArgument(StreamError):
    code = "streams.invalid_argument"
    aws_name = "InvalidArgumentException"


class ValidationError(StreamError):
    code = "streams.validation"
    aws_name = "ValidationException"


class ExpiredIterator(StreamError):
    code = "streams.expired_iterator"
    aws_name = "ExpiredIteratorException"


class StreamLimitExceeded(StreamError):
    code = "streams.limit_exceeded"
    aws_name = "LimitExceededException"


class PublishFailed(StreamError):
    """The engine did not store a record (PutRecords reports it per record)."""

    code = "streams.publish_failed"
    http_status = 500
    aws_name = "InternalFailure"


def over_limit(name: str, actual: object, what: str | None = None) -> LimitExceeded:
    """A :class:`LimitExceeded` for limit ``kinesis.NAME``, its message prefixed by ``what``."""
    lim = limits.LIMITS[name]
    message = lim.describe_violation(actual)
    return LimitExceeded(lim, actual, f"{what}: {message}" if what else message)


def not_found(name: str) -> StreamNotFound:
    from overcast.runtime.config import ACCOUNT_ID

    # Kinesis's own wording
    return StreamNotFound(f"Stream {name} under account {ACCOUNT_ID} not found.")
