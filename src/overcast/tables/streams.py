"""Change records in the shape DynamoDB Streams hands to consumers (pure).

One committed write → one record; TTL deletions carry the service
``userIdentity`` as DynamoDB's do. Records go to the JetStream stream
``OVERCAST_TABLE_CHANGES`` (subject per table), where the streams issue's
event-source mappings pick them up.
"""

from __future__ import annotations

import hashlib
import time

from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.tables.sizes import item_size
from overcast.tables.storage.base import Change, TableDef

TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def stream_label(table: TableDef) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime(table.created_at))


def stream_arn(table: TableDef) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table.name}/stream/{stream_label(table)}"


def sequence_number(seq: int) -> str:
    """DynamoDB Streams sequence numbers are long decimal strings that sort as numbers."""
    return f"{seq:021d}"


def record(change: Change, table: TableDef) -> dict:
    view = table.stream_view or "KEYS_ONLY"
    body = {"ApproximateCreationDateTime": float(int(change.at)), "Keys": change.keys,
            "SequenceNumber": sequence_number(change.sequence),
            "SizeBytes": item_size(change.keys) + item_size(change.new or {}) + item_size(change.old or {}),
            "StreamViewType": view}
    if change.new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = change.new
    if change.old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = change.old
    out = {
        "eventID": hashlib.sha1(f"{table.name}/{table.created_at}/{change.sequence}".encode()).hexdigest()[:32],
        "eventName": change.event, "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": REGION,
        "dynamodb": body, "eventSourceARN": stream_arn(table),
    }
    if change.by_ttl:
        out["userIdentity"] = dict(TTL_IDENTITY)
    return out
