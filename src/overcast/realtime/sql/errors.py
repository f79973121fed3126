"""Errors of the AWS IoT SQL engine: a statement that does not parse, a payload it cannot take."""

from __future__ import annotations

from overcast.errors import OvercastError


class SqlError(OvercastError):
    """A rule's SQL statement is malformed; the message names the position and what was expected."""

    code = "rules.sql"
    http_status = 400
    aws_name = "SqlParseException"

    def __init__(self, message: str, *, position: int | None = None) -> None:
        self.position = position
        super().__init__(message)


class PayloadError(OvercastError):
    """A message payload the statement cannot be applied to (a binary payload used as JSON).

    Raised at evaluation time; the topic rule hands it to its error action.
    """

    code = "rules.payload"
    http_status = 400
    aws_name = "InvalidRequestException"
