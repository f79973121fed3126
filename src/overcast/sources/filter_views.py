"""Lambda event filtering: the record views a ``filterCriteria`` pattern is matched against (pure).

The views (``kinesis_view``, ``sqs_view``, ``dynamodb_view``) are what a pattern sees: Kinesis
``data`` and SQS ``body`` JSON-decoded when they hold a JSON object, as AWS does. A field that is
not JSON becomes ``OPAQUE``, which no pattern on it matches.
"""

from __future__ import annotations

import base64
import json


class _Opaque:
    """A data field that is not JSON: no pattern on it matches (AWS drops the record)."""

    def __repr__(self) -> str:
        return "<not JSON>"


OPAQUE = _Opaque()


def _json_object(text) -> object:
    """JSON object/array → the decoded value; anything else → ``OPAQUE``."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return OPAQUE
    return value if isinstance(value, dict | list) else OPAQUE


def kinesis_view(record) -> dict:
    """A Kinesis record as a pattern sees it: the ``kinesis`` fields, ``data`` decoded from base64
    and JSON (a payload that is not JSON matches no pattern on ``data``). Takes a Lambda event
    record (dict) or a record object with ``data`` bytes, ``partition_key``, ``sequence_number``."""
    if isinstance(record, dict):
        view = dict(record.get("kinesis", record))
        try:
            raw = base64.b64decode(view.get("data", ""), validate=True)
        except ValueError:
            raw = b""
    else:
        raw = bytes(record.data)
        view = {"kinesisSchemaVersion": "1.0", "partitionKey": record.partition_key,
                "sequenceNumber": record.sequence_number,
                "approximateArrivalTimestamp": round(float(getattr(record, "arrival", 0.0)), 3)}
    try:
        view["data"] = _json_object(raw.decode("utf-8"))
    except UnicodeDecodeError:
        view["data"] = OPAQUE
    return view


def sqs_view(message: dict) -> dict:
    """An SQS record (Lambda's shape) with ``body`` JSON-decoded when it holds a JSON object; a plain
    string body stays a string, so a plain-string pattern matches it and a JSON pattern does not."""
    view = dict(message)
    body = view.get("body")
    decoded = _json_object(body) if isinstance(body, str) else OPAQUE
    if decoded is not OPAQUE:
        view["body"] = decoded
    return view


def dynamodb_view(record: dict) -> dict:
    """A DynamoDB Streams record: already JSON, patterns see it as it is."""
    return record
