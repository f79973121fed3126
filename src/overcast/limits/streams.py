"""Limits of Kinesis-compatible streams."""

from __future__ import annotations

from overcast.limits.model import MB, Limit

STREAMS: tuple[Limit, ...] = (
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
)
