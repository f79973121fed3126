"""Limits of SQS-compatible queues."""

from __future__ import annotations

from overcast.limits.model import KB, Limit

QUEUES: tuple[Limit, ...] = (
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
)
