"""The one exception hierarchy.

Every error carries a stable ``code``, the HTTP status a client sees, and the
AWS error name where AWS has one, so gateways and AWS-compatible endpoints can
answer with the same shape AWS uses.
"""

from __future__ import annotations


class OvercastError(Exception):
    code = "overcast.error"
    http_status = 500
    aws_name: str | None = None

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        out: dict = {"code": self.code, "message": self.message}
        if self.aws_name:
            out["__type"] = self.aws_name
        out.update(self.details)
        return out


class SpecError(OvercastError):
    """A stack file is malformed; ``problems`` hold file:line and what is wrong."""

    code = "spec.invalid"
    http_status = 400
    aws_name = "ValidationException"

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LimitExceeded(OvercastError):
    """A request went over a registered limit; names the limit and its value."""

    code = "limit.exceeded"
    http_status = 413

    def __init__(self, limit, actual: object | None = None, message: str | None = None) -> None:
        self.limit = limit
        self.actual = actual
        self.aws_name = limit.aws_error
        self.http_status = limit.http_status
        super().__init__(message or limit.describe_violation(actual))


class Throttled(OvercastError):
    code = "invoke.throttled"
    http_status = 429
    aws_name = "TooManyRequestsException"


class FunctionNotFound(OvercastError):
    code = "invoke.function_not_found"
    http_status = 404
    aws_name = "ResourceNotFoundException"


class EngineError(OvercastError):
    """The messaging engine (nats-server) could not be started or reached."""

    code = "engine.unavailable"
    http_status = 503
    aws_name = "ServiceException"
