"""Kinesis-compatible API on the gateway: operations on :mod:`overcast.streams.store`.

The principal (the stack whose key signed the request) becomes a new stream's
``owner``; ownership is recorded, not enforced: any key the platform issued reaches
any stream, as every key of one AWS account reaches its account's streams.
"""

from __future__ import annotations

import time

from overcast import limits
from overcast.compat.kinesis import wire
from overcast.errors import OvercastError
from overcast.streams import admin, shards, store
from overcast.streams import config as cfg
from overcast.streams.errors import InvalidArgument, ValidationError, over_limit

_ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP")
_DEFAULT_SHARDS = 4  # Kinesis: an on-demand stream starts with 4 shards


class KinesisEndpoint:
    """The :class:`overcast.gateway.aws.AwsService` of Kinesis, on the gateway's engine connection."""

    prefix = wire.TARGET_PREFIX
    signing_name = wire.SIGNING_NAME

    def __init__(self, nc) -> None:
        self.nc = nc
        self._ops = {
            "CreateStream": self.create_stream, "DeleteStream": self.delete_stream,
            "DescribeStream": self.describe_stream, "DescribeStreamSummary": self.describe_stream_summary,
            "ListStreams": self.list_streams, "ListShards": self.list_shards, "PutRecord": self.put_record,
            "PutRecords": self.put_records, "GetShardIterator": self.get_shard_iterator,
            "GetRecords": self.get_records,
        }

    async def handle(self, op: str, req: dict, principal: str) -> dict:
        handler = self._ops.get(op)
        if handler is None:
            exc = ValidationError(f"operation {op} is not supported by overcast's Kinesis endpoint")
            exc.aws_name = "UnknownOperationException"
            raise exc
        return await handler(req, principal)

    def response(self, status: int, body: dict, request_id: str) -> wire.Answer:
        return wire.response(status, body, request_id)

    def error(self, exc: OvercastError, request_id: str) -> wire.Answer:
        return wire.error(exc, request_id)

    # streams

    async def create_stream(self, req: dict, principal: str) -> dict:
        count = req.get("ShardCount", _DEFAULT_SHARDS)
        await store.create_stream(self.nc, wire.required(req, "StreamName"), count, owner=principal)
        return {}

    async def delete_stream(self, req: dict, principal: str) -> dict:
        await store.delete_stream(self.nc, wire.stream_name(req))
        return {}

    async def describe_stream(self, req: dict, principal: str) -> dict:
        info = await store.describe_stream(self.nc, wire.stream_name(req))
        first = wire.after_shard(req.get("ExclusiveStartShardId"), info.shards)
        last = min(info.shards, first + wire.int_param(req, "Limit", 100, 1, 10000))
        return {"StreamDescription": wire.description_shape(info, first, last)}

    async def describe_stream_summary(self, req: dict, principal: str) -> dict:
        info = await store.describe_stream(self.nc, wire.stream_name(req))
        return {"StreamDescriptionSummary": wire.description_summary_shape(info)}

    async def list_streams(self, req: dict, principal: str) -> dict:
        limit = wire.int_param(req, "Limit", 100, 1, 10000)
        after = req.get("NextToken") or req.get("ExclusiveStartStreamName")
        infos = [i for i in await store.list_infos(self.nc) if after is None or i.name > after]
        page = infos[:limit]
        out = {"StreamNames": [i.name for i in page], "HasMoreStreams": len(infos) > limit,
               "StreamSummaries": [wire.summary_shape(i) for i in page]}
        if len(infos) > limit:
            out["NextToken"] = page[-1].name
        return out

    async def list_shards(self, req: dict, principal: str) -> dict:
        token = req.get("NextToken")
        if token is not None:
            name, _, after = str(token).rpartition("|")
            try:
                start_id = shards.shard_id(int(after))
            except ValueError:
                raise InvalidArgument("invalid NextToken") from None
        else:
            name, start_id = wire.stream_name(req), req.get("ExclusiveStartShardId")
        info = await store.describe_stream(self.nc, name)
        first = wire.after_shard(start_id, info.shards)
        last = min(info.shards, first + wire.int_param(req, "MaxResults", 1000, 1, 10000))
        out: dict = {"Shards": [wire.shard_shape(i, info.shards) for i in range(first, last)]}
        if last < info.shards:
            out["NextToken"] = f"{info.name}|{last - 1}"
        return out

    # records

    async def put_record(self, req: dict, principal: str) -> dict:
        data = wire.blob(req.get("Data"), "Data")
        shard_id, seq = await store.put_record(self.nc, wire.stream_name(req), data, wire.required(req, "PartitionKey"),
                                               req.get("ExplicitHashKey"))
        return {"ShardId": shard_id, "SequenceNumber": seq, "EncryptionType": "NONE"}

    async def put_records(self, req: dict, principal: str) -> dict:
        name = wire.stream_name(req)
        entries = req.get("Records")
        lim = limits.LIMITS["kinesis.put_records_count"]
        if not isinstance(entries, list) or not entries:
            raise ValidationError(f"Records must hold 1-{lim.value} records")
        if len(entries) > lim.value:
            raise over_limit(lim.name, len(entries))
        parsed = [(wire.blob(e.get("Data"), "Data"), wire.required(e, "PartitionKey"), e.get("ExplicitHashKey"))
                  for e in entries if isinstance(e, dict)]
        if len(parsed) != len(entries):
            raise ValidationError("each entry of Records must be an object")
        count = await admin.shard_count(self.nc, name)
        for data, key, explicit in parsed:
            # Kinesis rejects the whole request when one record breaks the schema (size, key length)
            cfg.check_record(data, key, explicit, count)
        results = await store.put_records(self.nc, name, parsed)
        out = []
        for result in results:
            if isinstance(result, OvercastError):
                out.append({"ErrorCode": "InternalFailure", "ErrorMessage": result.message})
            else:
                out.append({"ShardId": result[0], "SequenceNumber": result[1]})
        failed = sum(1 for r in out if "ErrorCode" in r)
        return {"FailedRecordCount": failed, "Records": out, "EncryptionType": "NONE"}

    async def get_shard_iterator(self, req: dict, principal: str) -> dict:
        name = wire.stream_name(req)
        info = await store.describe_stream(self.nc, name)
        shard = wire.shard_of(req.get("ShardId"), info)
        kind = req.get("ShardIteratorType")
        if kind not in _ITERATOR_TYPES:
            raise ValidationError(f"ShardIteratorType must be one of {', '.join(_ITERATOR_TYPES)}, got {kind!r}")
        if kind == "TRIM_HORIZON":
            js_seq = 1
        elif kind == "LATEST":
            js_seq = await store.last_sequence(self.nc, name) + 1
        elif kind == "AT_TIMESTAMP":
            at = req.get("Timestamp")
            if not isinstance(at, int | float) or isinstance(at, bool):
                raise InvalidArgument("AT_TIMESTAMP needs a Timestamp")
            js_seq = await store.sequence_at(self.nc, name, shard, float(at))
        else:
            try:
                seq_shard, js_seq = shards.parse_sequence_number(req.get("StartingSequenceNumber"))
            except ValueError:
                raise InvalidArgument(f"{kind} needs the StartingSequenceNumber of a record of this stream, "
                                      f"got {req.get('StartingSequenceNumber')!r}") from None
            if seq_shard != shard:
                raise InvalidArgument(f"StartingSequenceNumber {req['StartingSequenceNumber']} belongs to "
                                      f"{shards.shard_id(seq_shard)}, not {shards.shard_id(shard)}")
            js_seq += kind == "AFTER_SEQUENCE_NUMBER"
        return {"ShardIterator": wire.make_iterator(name, shard, max(1, js_seq))}

    async def get_records(self, req: dict, principal: str) -> dict:
        name, shard, js_seq = wire.read_iterator(req.get("ShardIterator"))
        lim = limits.LIMITS["kinesis.get_records_count"]
        limit = req.get("Limit", lim.value)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InvalidArgument(f"Limit must be 1-{lim.value}, got {limit!r}")
        if limit > lim.value:
            raise over_limit(lim.name, limit, "GetRecords Limit")
        records, next_seq, pending = await store.read_batch(self.nc, name, shard, js_seq, limit)
        behind = max(0, int((time.time() - records[-1].arrival) * 1000)) if records and pending else 0
        return {"Records": [wire.record_shape(r) for r in records],
                "NextShardIterator": wire.make_iterator(name, shard, next_seq), "MillisBehindLatest": behind}

