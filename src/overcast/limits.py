"""The one registry of limits.

Every limit overcast enforces is declared here once: its value, whether it is
hard (fixed by design or by AWS compatibility) or soft (a platform setting you
may raise), its scope and the AWS limit it mirrors. Enforcement code reads the
value from here; an over-limit error names the limit and its value and, for a
soft limit, how to raise it. ``overcast limits`` prints this table.

Soft limits are raised per platform with ``--limit NAME=VALUE`` on
``overcast dev`` / ``overcast node``; the supervisor hands the overrides to its
children in ``OVERCAST_LIMIT_OVERRIDES`` (JSON), so every process agrees.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace

MB = 1024 * 1024
KB = 1024
OVERRIDES_ENV = "OVERCAST_LIMIT_OVERRIDES"


@dataclass(frozen=True)
class Limit:
    name: str
    title: str
    value: int
    unit: str
    kind: str  # "hard" | "soft"
    scope: str  # "invocation" | "function" | "account"
    aws: str
    minimum: int | None = None
    http_status: int = 400
    aws_error: str | None = None

    @property
    def how_to_raise(self) -> str | None:
        if self.kind != "soft":
            return None
        return f"raise it with `overcast dev --limit {self.name}=N` (or `overcast node --limit ...`)"

    def shown(self) -> str:
        if self.unit == "bytes" and self.value % MB == 0:
            return f"{self.value // MB} MB"
        if self.unit == "bytes" and self.value % KB == 0:
            return f"{self.value // KB} KB"
        if self.minimum is not None:
            return f"{self.minimum}-{self.value} {self.unit}"
        return f"{self.value} {self.unit}"

    def describe_violation(self, actual: object | None = None) -> str:
        got = f" (got {actual})" if actual is not None else ""
        msg = f"limit {self.name} exceeded: {self.title} is {self.shown()}, {self.kind}{got}"
        if self.how_to_raise:
            msg += f"; {self.how_to_raise}"
        return msg

    def to_dict(self) -> dict:
        out = asdict(self)
        out["shown"] = self.shown()
        out["how_to_raise"] = self.how_to_raise
        return out


_DECLARED: tuple[Limit, ...] = (
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
    # Kinesis-compatible streams
    Limit(
        "kinesis.record_size", "one stream record (data + partition key)", 1 * MB, "bytes", "hard", "invocation",
        "Kinesis: record size 1 MB", http_status=400, aws_error="ValidationException",
    ),
    Limit(
        "kinesis.put_records_count", "records in one PutRecords request", 500, "records", "hard", "invocation",
        "Kinesis: PutRecords 500 records", aws_error="ValidationException",
    ),
    Limit(
        "kinesis.put_records_size", "one PutRecords request, all records", 5 * MB, "bytes", "hard", "invocation",
        "Kinesis: PutRecords 5 MB", aws_error="ValidationException",
    ),
    Limit(
        "kinesis.get_records_count", "records one GetRecords call returns", 10000, "records", "hard", "invocation",
        "Kinesis: GetRecords 10,000 records", minimum=1, aws_error="ValidationException",
    ),
    Limit(
        "kinesis.shards_per_stream", "shards of one stream", 64, "shards", "soft", "account",
        "Kinesis: shards per account and region (soft)", minimum=1, aws_error="LimitExceededException",
    ),
    Limit(
        "kinesis.retention_hours", "stream retention period", 8760, "hours", "hard", "function",
        "Kinesis: retention 24-8760 hours", minimum=24, aws_error="InvalidArgumentException",
    ),
    # SQS-compatible queues
    Limit(
        "sqs.message_size", "one queue message (body + attributes)", 256 * KB, "bytes", "hard", "invocation",
        "SQS: message size 256 KB", aws_error="InvalidParameterValue",
    ),
    Limit(
        "sqs.batch_entries", "entries in one SendMessageBatch / DeleteMessageBatch / ReceiveMessage", 10,
        "entries", "hard", "invocation", "SQS: 10 entries per batch", minimum=1,
        aws_error="TooManyEntriesInBatchRequest",
    ),
    Limit(
        "sqs.visibility_timeout", "message visibility timeout", 43200, "seconds", "hard", "function",
        "SQS: visibility timeout 0-12 hours", minimum=0, aws_error="InvalidParameterValue",
    ),
    Limit(
        "sqs.delay_seconds", "message delay", 900, "seconds", "hard", "function",
        "SQS: delay 0-15 minutes", minimum=0, aws_error="InvalidParameterValue",
    ),
    Limit(
        "sqs.retention_seconds", "queue message retention", 1209600, "seconds", "hard", "function",
        "SQS: retention 60 s-14 days", minimum=60, aws_error="InvalidParameterValue",
    ),
    Limit(
        "sqs.wait_time", "long-poll wait of ReceiveMessage", 20, "seconds", "hard", "invocation",
        "SQS: ReceiveMessage wait 0-20 s", minimum=0, aws_error="InvalidParameterValue",
    ),
    Limit(
        "sqs.in_flight", "messages in flight (received, not deleted) per queue", 120000, "messages", "soft",
        "account", "SQS: in-flight messages per standard queue 120,000", aws_error="OverLimit",
    ),
    # Event-source mappings and asynchronous invocation
    Limit(
        "esm.batch_size", "records per batch of a stream/table mapping", 10000, "records", "hard", "function",
        "Lambda: event source mapping BatchSize (Kinesis 10,000; DynamoDB Streams 1,000; SQS 10, or 10,000 "
        "with a batching window)", minimum=1,
    ),
    Limit(
        "esm.batching_window", "maximumBatchingWindow", 300, "seconds", "hard", "function",
        "Lambda: MaximumBatchingWindowInSeconds 0-300", minimum=0,
    ),
    Limit(
        "esm.parallelization", "parallelizationFactor (concurrent batches per shard)", 10, "batches", "hard",
        "function", "Lambda: ParallelizationFactor 1-10", minimum=1,
    ),
    Limit(
        "esm.retry_attempts", "maximumRetryAttempts of a stream mapping", 10000, "retries", "hard", "function",
        "Lambda: MaximumRetryAttempts -1 (infinite) to 10,000", minimum=-1,
    ),
    Limit(
        "esm.record_age", "maximumRecordAgeInSeconds of a stream mapping", 604800, "seconds", "hard", "function",
        "Lambda: MaximumRecordAgeInSeconds -1 (infinite) or 60-604,800", minimum=60,
    ),
    Limit(
        "lambda.async_payload", "asynchronous invocation payload", 1 * MB, "bytes", "hard", "invocation",
        "Lambda: invocation payload, asynchronous (1 MB)", http_status=413,
        aws_error="RequestEntityTooLargeException",
    ),
    Limit(
        "lambda.async_event_age", "maximumEventAge of an asynchronous invocation", 21600, "seconds", "hard",
        "function", "Lambda: MaximumEventAgeInSeconds 60-21,600", minimum=60,
    ),
    Limit(
        "lambda.async_retries", "retries of a failed asynchronous invocation", 2, "retries", "hard", "function",
        "Lambda: MaximumRetryAttempts 0-2 (asynchronous)", minimum=0,
    ),
    # WebSocket APIs (API Gateway quotas; AWS closes a connection with 1009 over the size limits)
    Limit(
        "websocket.frame_size", "one WebSocket frame", 32 * KB, "bytes", "hard", "invocation",
        "API Gateway: WebSocket frame size 32 KB", http_status=413, aws_error="PayloadTooLargeException",
    ),
    Limit(
        "websocket.message_size", "one WebSocket message (from a client or sent with @connections)", 128 * KB,
        "bytes", "hard", "invocation", "API Gateway: WebSocket message payload size 128 KB", http_status=413,
        aws_error="PayloadTooLargeException",
    ),
    Limit(
        "websocket.idle_timeout", "WebSocket connection idle time before it is closed", 600, "seconds", "hard",
        "invocation", "API Gateway: idle connection timeout 10 minutes",
    ),
    Limit(
        "websocket.connection_duration", "WebSocket connection duration", 7200, "seconds", "hard", "invocation",
        "API Gateway: connection duration for WebSocket API 2 hours",
    ),
    # MQTT things (each is one engine user; their allow-lists are the engine's permission lists)
    Limit(
        "mqtt.things_per_stack", "things one stack declares", 1000, "things", "hard", "account",
        "none: AWS IoT registers things per account without such a limit",
    ),
    Limit(
        "mqtt.filters_per_thing", "topic filters in one thing's publish or subscribe list", 100, "filters",
        "hard", "function", "AWS IoT: a policy document is at most 2048 characters",
    ),
    # Topic rules and the IoT data-plane Publish API
    Limit(
        "iot.rule_actions", "actions of one topic rule", 10, "actions", "hard", "function",
        "AWS IoT: 10 actions per rule", minimum=1, aws_error="InvalidRequestException",
    ),
    Limit(
        "iot.message_size", "one message published through the IoT data Publish API or a republish action",
        128 * KB, "bytes", "hard", "invocation", "AWS IoT: message payload size 128 KB", http_status=413,
        aws_error="RequestEntityTooLargeException",
    ),
    Limit(
        "iot.rule_hops", "republish hops of one message through topic rules (a longer chain is dropped)", 8,
        "hops", "hard", "invocation", "none: AWS IoT does not stop rule loops",
    ),
)


class Registry:
    """All limits by name, with soft overrides applied."""

    def __init__(self, declared: tuple[Limit, ...], overrides: dict[str, int] | None = None) -> None:
        self._limits = {lim.name: lim for lim in declared}
        for name, value in (overrides or {}).items():
            self.override(name, value)

    def override(self, name: str, value: int) -> None:
        lim = self.get(name)
        if lim.kind != "soft":
            raise ValueError(f"limit {name} is hard ({lim.shown()}) and cannot be changed")
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"limit {name} needs a positive integer, got {value!r}")
        self._limits[name] = replace(lim, value=value)
        if name == "lambda.account_concurrency":
            fc = self._limits["lambda.function_concurrency"]
            self._limits[fc.name] = replace(fc, value=value)

    def get(self, name: str) -> Limit:
        try:
            return self._limits[name]
        except KeyError:
            known = ", ".join(sorted(self._limits))
            raise KeyError(f"no limit named {name!r}; known limits: {known}") from None

    def __getitem__(self, name: str) -> Limit:
        return self.get(name)

    def all(self) -> list[Limit]:
        return sorted(self._limits.values(), key=lambda lim: lim.name)

    def overrides(self) -> dict[str, int]:
        base = {lim.name: lim.value for lim in _DECLARED}
        return {lim.name: lim.value for lim in self.all() if lim.kind == "soft" and base[lim.name] != lim.value}


def parse_override(text: str) -> tuple[str, int]:
    """Parse ``NAME=VALUE`` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not value.strip().isdigit():
        raise ValueError(f"--limit wants NAME=INTEGER, got {text!r}")
    return name.strip(), int(value)


def _from_environment() -> Registry:
    raw = os.environ.get(OVERRIDES_ENV)
    return Registry(_DECLARED, json.loads(raw) if raw else None)


LIMITS = _from_environment()


def configure(overrides: dict[str, int]) -> Registry:
    """Apply soft-limit overrides in this process and export them to children."""
    global LIMITS
    LIMITS = Registry(_DECLARED, overrides)
    if overrides:
        os.environ[OVERRIDES_ENV] = json.dumps(LIMITS.overrides())
    else:
        os.environ.pop(OVERRIDES_ENV, None)
    return LIMITS
