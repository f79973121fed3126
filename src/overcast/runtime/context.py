"""The ``context`` object handed to a handler, as AWS's Python runtime builds it (with its client context)."""

from __future__ import annotations

import time


class LambdaContext:
    """Mirror of ``awslambdaric``'s LambdaContext: same attribute names and types.

    ``memory_limit_in_mb`` is a string there (read from the environment), and so is it here.
    """

    __slots__ = (
        "aws_request_id", "function_name", "function_version", "invoked_function_arn",
        "memory_limit_in_mb", "log_group_name", "log_stream_name", "identity", "client_context",
        "_deadline_ms",
    )

    def __init__(self, *, request_id: str, deadline_ms: int, function_name: str, function_version: str,
                 invoked_function_arn: str, memory_limit_in_mb: str, log_group_name: str,
                 log_stream_name: str) -> None:
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn}])")


class Client:
    """``context.client_context.client``: the calling app, as the AWS Mobile SDK describes it."""

    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, doc: dict) -> None:
        for name in self.__slots__:
            setattr(self, name, doc.get(name))


class ClientContext:
    """``context.client_context``: what the caller passed as ``ClientContext`` to a synchronous Invoke."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, doc: dict) -> None:
        client = doc.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = doc.get("custom")
        self.env = doc.get("env")


def client_context_of(doc: object) -> ClientContext | None:
    """The handler's ``context.client_context`` from the decoded JSON object (None for anything else)."""
    return ClientContext(doc) if isinstance(doc, dict) else None
