"""How an invocation's result on a batch is judged: AWS Lambda's rules, pure.

``parse_response`` turns an invocation's status and payload into an ``Outcome``; ``sqs_result``
says which messages of an SQS batch to delete. What a stream mapping does next is in ``plan``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SUCCESS, FAILURE, PARTIAL, THROTTLED = "success", "failure", "partial", "throttled"
RETRY_EXHAUSTED = "RetryAttemptsExhausted"
AGE_EXCEEDED = "RecordAgeExceeded"


def judge_status(status: str) -> str:
    """How an invocation reply's status counts for a batch: throttling (no environment, no runtime yet) is retried
    without using an attempt; a rejected request (it can never succeed as sent) counts as a function error, so it
    ends at the destination instead of looping."""
    if status == THROTTLED:
        return THROTTLED
    return "ok" if status == "ok" else "error"


@dataclass(frozen=True)
class Outcome:
    """One invocation's result: ``kind`` is success, failure (the whole batch), partial (``failed``
    holds the item identifiers the function reported) or throttled (the batch never reached it)."""

    kind: str
    failed: tuple[str, ...] = ()
    error_type: str | None = None
    error_message: str | None = None


def _failure(message: str, error_type: str = "InvalidBatchItemFailures") -> Outcome:
    return Outcome(FAILURE, error_type=error_type, error_message=message)


def parse_response(status: str, payload: bytes | None, ids: list[str], report_item_failures: bool) -> Outcome:
    """Judge one invocation. ``status``: ``"ok"``, ``"error"`` (function error or timeout) or
    ``"throttled"`` (not invoked); ``ids``: the batch's item identifiers (message ids, sequence numbers).

    AWS: "Lambda treats a batch as a complete success if your function returns any of the following:
    an empty batchItemFailures list, a null batchItemFailures list, an empty EventResponse, a null
    EventResponse" and "as a complete failure if your function returns any of the following: an
    invalid JSON response, an empty string itemIdentifier, a null itemIdentifier, an itemIdentifier
    with a bad key name, an itemIdentifier value with a message ID that doesn't exist". "If your
    function throws an exception, the entire batch is considered a complete failure." Without
    ReportBatchItemFailures the response is not read.
    """
    if status == THROTTLED:
        return Outcome(THROTTLED)
    if status == "error":
        err = _decode(payload)
        if isinstance(err, dict):
            return _failure(str(err.get("errorMessage") or ""), str(err.get("errorType") or "Unhandled"))
        return _failure("" if err is None else str(err), "Unhandled")
    if status != "ok":
        raise ValueError(f"invocation status must be 'ok', 'error' or 'throttled', got {status!r}")
    if not report_item_failures or not payload or not payload.strip():
        return Outcome(SUCCESS)
    try:
        body = json.loads(payload)
    except ValueError:
        return _failure("the function's response is not valid JSON")
    if body is None:
        return Outcome(SUCCESS)
    if not isinstance(body, dict):
        return _failure("the function's response is not a JSON object")
    items = body.get("batchItemFailures")
    if items is None or items == []:
        return Outcome(SUCCESS)
    if not isinstance(items, list):
        return _failure("batchItemFailures is not a list")
    known, failed = set(ids), []
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not ident:
            return _failure(f"bad batch item failure {item!r}: itemIdentifier must be a non-empty string")
        if ident not in known:
            return _failure(f"itemIdentifier {ident!r} is not an id of this batch")
        if ident not in failed:
            failed.append(ident)
    return Outcome(PARTIAL, failed=tuple(failed))


def _decode(payload: bytes | None):
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")


def sqs_result(outcome: Outcome, ids: list[str]) -> tuple[list[str], list[str]]:
    """``(delete_ids, keep_ids)`` after an SQS batch: success deletes all, partial all but the failed
    (they come back after their visibility timeout), failure or throttle none."""
    if outcome.kind == SUCCESS:
        return list(ids), []
    if outcome.kind == PARTIAL:
        failed = set(outcome.failed)
        return [i for i in ids if i not in failed], [i for i in ids if i in failed]
    return [], list(ids)


def record_id(record) -> str:
    """A stream record's sequence number: a Kinesis record object or a DynamoDB Streams record dict."""
    if isinstance(record, dict):
        return record["dynamodb"]["SequenceNumber"]
    return record.sequence_number


def record_arrival(record) -> float:
    """A stream record's arrival time in epoch seconds."""
    if isinstance(record, dict):
        return float(record["dynamodb"]["ApproximateCreationDateTime"])
    return float(record.arrival)
