"""Limits of event-source mappings (stream, table and queue batches) and of asynchronous invocation."""

from __future__ import annotations

from overcast.limits.model import MB, Limit

SOURCES: tuple[Limit, ...] = (
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
)
