"""Put and read records of Kinesis-compatible streams (JetStream).

A record is one JetStream message on its shard's subject: the data is the payload,
the partition key travels percent-encoded in the ``Kinesis-Partition-Key`` header, and
the arrival time is the time JetStream stored the message. Reads use batched direct
gets (``$JS.API.DIRECT.GET`` with ``next_by_subj`` and ``batch``): one request, no
consumer state on the server. Measured against a short-lived ordered consumer: 1.2 vs
8.7 ms for 10 records, 6.8 vs 9.9 ms for 100; past ~500 records the consumer is ~1.5x
faster, but reads of that size are rare here (dispatchers consume with their own consumers).
"""

from __future__ import annotations

import asyncio
import calendar
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError, NoStreamResponseError

from overcast import limits
from overcast.engine import subjects
from overcast.errors import OvercastError
from overcast.streams import admin
from overcast.streams import config as cfg
from overcast.streams import shards as rules
from overcast.streams.errors import PublishFailed, StreamError, ValidationError, not_found, over_limit

READ_MAX_BYTES = 10 * 1024 * 1024  # Kinesis: GetRecords returns at most 10 MiB
_WAIT = 5.0
_WRONG_STREAM = 10060  # JetStream: expected stream does not match


@dataclass(frozen=True)
class Record:
    data: bytes
    partition_key: str
    sequence_number: str
    arrival: float  # epoch seconds, ms precision (ApproximateArrivalTimestamp)
    shard: int
    js_seq: int


async def put_record(nc, name: str, data: bytes, partition_key: str,
                     explicit_hash_key: str | None = None) -> tuple[str, str]:
    """Store one record; return (shard id, sequence number). One publish round trip once the stream is known."""
    count = await admin.shard_count(nc, name)
    shard = cfg.check_record(data, partition_key, explicit_hash_key, count)
    try:
        return await _publish(nc, name, shard, data, partition_key)
    except _StaleStream:
        # the stream was deleted, or deleted and created again with other shards
        admin.forget(nc, name)
        count = await admin.shard_count(nc, name)
        shard = cfg.check_record(data, partition_key, explicit_hash_key, count)
        try:
            return await _publish(nc, name, shard, data, partition_key)
        except _StaleStream:
            raise not_found(name) from None


async def put_records(nc, name: str, entries: list[tuple[bytes, str, str | None]]
                      ) -> list[tuple[str, str] | OvercastError]:
    """Store several records concurrently; each result is (shard id, sequence number) or the record's error.

    Too many records, or too many bytes in all, fail the whole call (as PutRecords does).
    """
    if len(entries) > limits.LIMITS["kinesis.put_records_count"].value:
        raise over_limit("kinesis.put_records_count", len(entries))
    if not entries:
        raise ValidationError("PutRecords needs at least one record")
    total = sum(len(data) + len(str(key).encode("utf-8")) for data, key, _ in entries)
    if total > limits.LIMITS["kinesis.put_records_size"].value:
        raise over_limit("kinesis.put_records_size", total)
    await admin.shard_count(nc, name)  # an unknown stream fails the whole call

    async def one(data: bytes, key: str, explicit: str | None) -> tuple[str, str] | OvercastError:
        try:
            return await put_record(nc, name, data, key, explicit)
        except OvercastError as exc:
            return exc

    return list(await asyncio.gather(*(one(*entry) for entry in entries)))


class _StaleStream(Exception):
    pass


async def _publish(nc, name: str, shard: int, data: bytes, partition_key: str) -> tuple[str, str]:
    headers = {cfg.PARTITION_KEY_HEADER: cfg.encode_partition_key(partition_key)}
    try:
        ack = await nc.jetstream().publish(subjects.kinesis_shard(name, shard), data, timeout=_WAIT,
                                           stream=subjects.kinesis_stream(name), headers=headers)
    except (NoStreamResponseError, NoRespondersError):
        raise _StaleStream() from None
    except APIError as exc:
        if exc.err_code == _WRONG_STREAM:
            raise _StaleStream() from None
        raise PublishFailed(f"the engine did not store the record: {exc.description}") from None
    except NatsTimeout:
        raise PublishFailed("the engine did not acknowledge the record in time") from None
    return rules.shard_id(shard), rules.sequence_number(shard, ack.seq)


def record_from_msg(msg) -> Record:
    """The record of a JetStream message of a shard subject, as a consumer delivers it."""
    meta = msg.metadata
    shard = _shard_of(msg.subject)
    arrival = round(meta.timestamp.timestamp(), 3)
    return _record(msg.data, msg.headers, shard, meta.sequence.stream, arrival)


def _record(data: bytes | None, headers: dict | None, shard: int, js_seq: int, arrival: float) -> Record:
    key = cfg.decode_partition_key((headers or {}).get(cfg.PARTITION_KEY_HEADER, ""))
    return Record(data or b"", key, rules.sequence_number(shard, js_seq), arrival, shard, js_seq)


def _shard_of(subject: str) -> int:
    return int(subject.rsplit(".", 1)[1])


async def read(nc, name: str, shard: int, start_js_seq: int, limit: int) -> tuple[list[Record], int]:
    """Records of a shard at or after a JetStream sequence, oldest first; and the next sequence to read."""
    records, next_seq, _ = await read_batch(nc, name, shard, start_js_seq, limit)
    return records, next_seq


async def read_batch(nc, name: str, shard: int, start_js_seq: int, limit: int) -> tuple[list[Record], int, int]:
    """Like :func:`read`, plus how many records of the shard remain after the last one returned."""
    start = max(1, start_js_seq)
    req = {"seq": start, "next_by_subj": subjects.kinesis_shard(name, shard), "batch": limit,
           "max_bytes": READ_MAX_BYTES}
    records: list[Record] = []
    pending = 0
    for msg in await _direct_get(nc, name, req):
        headers = msg.headers
        records.append(_record(msg.data, headers, shard, int(headers["Nats-Sequence"]),
                               parse_time(headers["Nats-Time-Stamp"])))
        pending = int(headers.get("Nats-Num-Pending", 0))
    return records, (records[-1].js_seq + 1 if records else start), pending


async def sequence_at(nc, name: str, shard: int, at: float) -> int:
    """The JetStream sequence of the shard's first record stored at or after ``at`` (epoch seconds),
    or the sequence the next record will get when there is none."""
    stamp = datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    req = {"start_time": stamp, "next_by_subj": subjects.kinesis_shard(name, shard), "batch": 1}
    for msg in await _direct_get(nc, name, req):
        return int(msg.headers["Nats-Sequence"])
    return await admin.last_sequence(nc, name) + 1


async def _direct_get(nc, name: str, req: dict) -> list:
    """Messages a batched direct get answers, until its end-of-batch (or not-found) status."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    found = []
    try:
        await nc.publish(f"$JS.API.DIRECT.GET.{subjects.kinesis_stream(name)}", orjson.dumps(req), reply=inbox)
        while True:
            try:
                msg = await sub.next_msg(timeout=_WAIT)
            except NatsTimeout:
                raise StreamError("the engine did not answer a read in time") from None
            status = (msg.headers or {}).get("Status")
            if status is None:
                found.append(msg)
                continue
            if status == "503":  # no responders: the stream does not exist
                raise not_found(name)
            if status in ("204", "404"):
                return found
            raise StreamError(f"the engine refused a read: {status} {msg.headers.get('Description', '')}")
    finally:
        await sub.unsubscribe()


def parse_time(text: str) -> float:
    """Epoch seconds (ms precision) of an RFC 3339 UTC time with up to nanoseconds, as JetStream writes it."""
    base, _, frac = text.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return round(seconds + (float(f"0.{frac}") if frac else 0.0), 3)
