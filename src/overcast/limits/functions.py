"""Limits of functions and their invocation: Lambda's payload, timeout, memory, environment and
concurrency quotas, and the engine's largest message, sized to carry a synchronous payload."""

from __future__ import annotations

import os

from overcast.limits.model import KB, MB, Limit

FUNCTIONS: tuple[Limit, ...] = (
    Limit(
        "lambda.sync_request_payload", "synchronous invocation request payload", 6 * MB, "bytes",
        "hard", "invocation", "Lambda: invocation payload, synchronous (6 MB request)",
        http_status=413, aws_error="RequestEntityTooLargeException",
    ),
    Limit(
        "lambda.sync_response_payload", "synchronous invocation response payload", 6 * MB, "bytes",
        "hard", "invocation", "Lambda: invocation payload, synchronous (6 MB response)",
        http_status=502, aws_error="Function.ResponseSizeTooLarge",
    ),
    Limit(
        "lambda.client_context", "ClientContext of a synchronous Invoke (base64 of a JSON object)", 3583, "bytes",
        "hard", "invocation", "Lambda: ClientContext up to 3,583 bytes of base64-encoded data",
        aws_error="InvalidRequestContentException",
    ),
    Limit(
        "engine.max_payload", "largest message the engine carries (an external --nats server's own "
        "max_payload applies instead)", 8 * MB, "bytes", "hard", "platform",
        "none: AWS has no such layer; sized to carry a 6 MB synchronous payload", http_status=413,
    ),
    Limit(
        "lambda.timeout", "function timeout", 900, "seconds", "hard", "function",
        "Lambda: function timeout 1-900 s", minimum=1,
    ),
    Limit(
        "lambda.memory", "function memory", 10240, "MB", "hard", "function",
        "Lambda: function memory 128-10240 MB", minimum=128,
    ),
    Limit(
        "lambda.environment_size", "function environment variables, total size", 4 * KB, "bytes",
        "hard", "function", "Lambda: environment variables 4 KB",
    ),
    Limit(
        "lambda.account_concurrency", "concurrent executions per platform", 1000, "executions",
        "soft", "account", "Lambda: concurrent executions per account and region (1000, soft)",
        http_status=429, aws_error="TooManyRequestsException",
    ),
    Limit(
        "lambda.function_concurrency", "concurrent executions of one function (its `concurrency`)",
        1000, "executions", "hard", "function",
        "Lambda: reserved concurrency (at most the account's concurrency)",
        http_status=429, aws_error="TooManyRequestsException",
    ),
    Limit(
        "lambda.concurrent_inits", "environments of one function starting at once on a node (more callers wait "
        "for the first environment free, warm or new)", max(2, os.cpu_count() or 2), "environments", "soft",
        "function", "none: Lambda scales by up to 1,000 environments per 10 s per function; on one node, starting "
        "more processes at once than it has cores only slows every start",
    ),
)
