"""Errors of Signature Version 4 verification.

Names, statuses and messages are the ones DynamoDB, Kinesis and SQS (JSON
protocol) answer, so an SDK client raises the same exception against overcast
as against AWS. All are HTTP 400, as DynamoDB answers them.
"""

from __future__ import annotations

from overcast.errors import OvercastError


class SignatureError(OvercastError):
    """Base of every SigV4 verification failure."""

    code = "auth.sigv4"
    http_status = 400


class MissingAuthenticationToken(SignatureError):
    """The request carries no ``Authorization`` header at all."""

    code = "auth.missing_token"
    aws_name = "MissingAuthenticationTokenException"

    def __init__(self, message: str = "Request is missing Authentication Token") -> None:
        super().__init__(message)


class IncompleteSignature(SignatureError):
    """The ``Authorization`` header (or the date) is missing parts or cannot be parsed."""

    code = "auth.incomplete_signature"
    aws_name = "IncompleteSignatureException"


class QueryAuthNotSupported(IncompleteSignature):
    """Presigned-URL (query-string) authentication was used; overcast accepts header auth only."""

    code = "auth.query_unsupported"

    def __init__(self) -> None:
        super().__init__("query-string authentication is not supported; sign the request with an Authorization header")


class UnrecognizedClient(SignatureError):
    """The access key id (or its session token) is not known."""

    code = "auth.unrecognized_client"
    aws_name = "UnrecognizedClientException"

    def __init__(self, message: str = "The security token included in the request is invalid.") -> None:
        super().__init__(message)


SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)


class InvalidSignature(SignatureError):
    """The signature, its scope or the payload hash does not check out.

    ``canonical_request`` and ``string_to_sign`` (when known) are what overcast
    computed; they are kept off ``to_dict()`` so they reach logs, not clients.
    """

    code = "auth.signature"
    aws_name = "InvalidSignatureException"

    def __init__(
        self,
        message: str = SIGNATURE_MISMATCH,
        *,
        canonical_request: str | None = None,
        string_to_sign: str | None = None,
    ) -> None:
        super().__init__(message)
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign


class SignatureExpired(InvalidSignature):
    """``X-Amz-Date`` is further from the server clock than the allowed skew (either way)."""

    code = "auth.signature_expired"
