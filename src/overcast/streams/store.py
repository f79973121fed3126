"""The data plane of Kinesis-compatible streams: the one API other parts call.

Streams (:mod:`overcast.streams.admin`) and records (:mod:`overcast.streams.records`)
on JetStream, re-exported here under their stable names. Every function takes a
connected ``nats.aio.client.Client``; errors are :class:`overcast.errors.OvercastError`
subclasses carrying Kinesis's error names.
"""

from __future__ import annotations

from overcast.streams.admin import (
    create_stream,
    delete_stream,
    describe_stream,
    ensure_stream,
    last_sequence,
    list_infos,
    list_streams,
)
from overcast.streams.config import StreamInfo
from overcast.streams.records import Record, put_record, put_records, read, read_batch, record_from_msg, sequence_at

__all__ = [
    "Record",
    "StreamInfo",
    "create_stream",
    "delete_stream",
    "describe_stream",
    "ensure_stream",
    "last_sequence",
    "list_infos",
    "list_streams",
    "put_record",
    "put_records",
    "read",
    "read_batch",
    "record_from_msg",
    "sequence_at",
]
