"""Where a stream mapping's records come from: a Kinesis shard, or a table's change stream.

Each origin knows its JetStream stream and subject, turns a delivered message into
a record, and builds the event and the failure record's details the way AWS does
for that kind of source. The table change stream is one shard per table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from overcast.engine import subjects
from overcast.runtime.config import REGION
from overcast.sources import filtering, records
from overcast.streams import store
from overcast.streams.config import arn as kinesis_arn
from overcast.streams.shards import shard_id as kinesis_shard_id


@dataclass(frozen=True)
class KinesisShard:
    name: str
    shard: int
    kind = "kinesis"

    @property
    def stream(self) -> str:
        return subjects.kinesis_stream(self.name)

    @property
    def subject(self) -> str:
        return subjects.kinesis_shard(self.name, self.shard)

    @property
    def shard_id(self) -> str:
        return kinesis_shard_id(self.shard)

    @property
    def arn(self) -> str:
        return kinesis_arn(self.name)

    def record(self, msg):
        return store.record_from_msg(msg)

    @staticmethod
    def lane_key(record) -> str:
        return record.partition_key

    @staticmethod
    def size(record) -> int:
        return (len(record.data) + 2) // 3 * 4 + len(record.partition_key) + 400  # base64 + the JSON around it

    def event(self, batch) -> dict:
        return records.kinesis_event(batch, self.arn, self.shard_id, REGION)

    def entries(self, batch) -> list[dict]:
        return self.event(batch)["Records"]

    @staticmethod
    def view(record) -> dict:
        return filtering.kinesis_view(record)


@dataclass(frozen=True)
class TableShard:
    table: str
    shard: int = 0
    kind = "dynamodb"

    @property
    def stream(self) -> str:
        return subjects.TABLE_CHANGES_STREAM

    @property
    def subject(self) -> str:
        return subjects.table_changes(self.table)

    @property
    def shard_id(self) -> str:
        return "shardId-" + hashlib.sha1(self.table.encode()).hexdigest()[:20]

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{REGION}:table/{self.table}/stream"

    @staticmethod
    def record(msg) -> dict:
        return orjson.loads(msg.data)

    @staticmethod
    def lane_key(record: dict) -> str:
        return orjson.dumps(record["dynamodb"]["Keys"], option=orjson.OPT_SORT_KEYS).decode()

    @staticmethod
    def size(record: dict) -> int:
        return record["dynamodb"].get("SizeBytes", 0) * 2 + 600

    @staticmethod
    def event(batch) -> dict:
        return records.dynamodb_event(batch)

    def entries(self, batch) -> list[dict]:
        return list(batch)

    @staticmethod
    def view(record: dict) -> dict:
        return filtering.dynamodb_view(record)


async def kinesis_shards(nc, mapping) -> list[KinesisShard]:
    info = await store.describe_stream(nc, mapping.source_name)
    return [KinesisShard(mapping.source_name, i) for i in range(info.shards)]


async def table_shard(nc, mapping) -> list[TableShard]:
    from overcast.tables import maintenance

    await maintenance.ensure_stream(nc)
    return [TableShard(mapping.source_name)]
