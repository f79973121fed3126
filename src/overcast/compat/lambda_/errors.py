"""Errors of the Lambda ``Invoke`` API, in Lambda's REST-JSON shape (pure).

Lambda answers an error with its name in ``x-amzn-ErrorType`` and a JSON body ``{"Type": "User"|"Service",
"message": ...}`` (``Message`` for the few exceptions its model spells so, ``ResourceNotFoundException`` among
them), so botocore raises ``client.exceptions.<Name>`` — or a ``ClientError`` with that code for names Lambda
does not model (``AccessDeniedException``, ``RequestEntityTooLargeException``), as against AWS.
"""

from __future__ import annotations

import orjson

from overcast.asgi import Answer
from overcast.compat.sigv4_errors import SignatureError
from overcast.errors import OvercastError

# Exceptions whose botocore model names the text "Message" (the rest say "message").
_CAPITALISED = frozenset({"ResourceNotFoundException", "ServiceException"})


class InvalidParameterValueException(OvercastError):
    code = "lambda.invalid_parameter"
    http_status = 400
    aws_name = "InvalidParameterValueException"


class InvalidRequestContentException(OvercastError):
    code = "lambda.invalid_request_content"
    http_status = 400
    aws_name = "InvalidRequestContentException"


class ValidationException(OvercastError):
    code = "lambda.validation"
    http_status = 400
    aws_name = "ValidationException"


class AccessDeniedException(OvercastError):
    code = "lambda.access_denied"
    http_status = 403
    aws_name = "AccessDeniedException"


class ResourceNotFoundException(OvercastError):
    code = "lambda.function_not_found"
    http_status = 404
    aws_name = "ResourceNotFoundException"


class TooManyRequestsException(OvercastError):
    code = "lambda.throttled"
    http_status = 429
    aws_name = "TooManyRequestsException"


class UnsupportedOperation(OvercastError):
    """A Lambda API operation other than ``Invoke`` (overcast serves only that one)."""

    code = "lambda.unsupported_operation"
    http_status = 501
    aws_name = "UnsupportedOperation"


class ServiceException(OvercastError):
    """The platform could not run the call (no runtime serves the function yet, the engine is away)."""

    code = "lambda.service"
    http_status = 503
    aws_name = "ServiceException"


def not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Function not found: {arn}")


def answer(exc: OvercastError, request_id: str) -> Answer:
    """``exc`` as Lambda answers it; signature failures are 403 (Lambda's status for them)."""
    status = 403 if isinstance(exc, SignatureError) else exc.http_status
    name = exc.aws_name or "ServiceException"
    body: dict = {"Type": "User" if status < 500 else "Service",
                  ("Message" if name in _CAPITALISED else "message"): exc.message}
    if isinstance(exc, TooManyRequestsException) and exc.details.get("reason"):
        body["Reason"] = exc.details["reason"]
    headers = [(b"content-type", b"application/json"), (b"x-amzn-errortype", name.encode()),
               (b"x-amzn-requestid", request_id.encode())]
    return status, headers, orjson.dumps(body)
