"""Background work of a node holding table storage: the change-stream relay and the TTL sweeper.

The relay moves committed change records from the storage's outbox to
JetStream and only then acknowledges them, so a record is never lost and
never emitted for a rolled-back write. Several nodes may relay the same
outbox: each message carries its record's id as ``Nats-Msg-Id`` and
JetStream drops the duplicates. The sweeper deletes items whose TTL passed
(checked again inside the deleting transaction), marked as TTL deletions.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

import orjson
from nats.aio.client import Client
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from overcast.engine import subjects
from overcast.tables import streams
from overcast.tables.errors import ResourceNotFoundException
from overcast.tables.storage.base import Storage

log = logging.getLogger("overcast.tables")
RELAY_IDLE_S = 0.05
TTL_SWEEP_S = float(os.environ.get("OVERCAST_TTL_SWEEP_S", "10"))  # DynamoDB promises "within days"; we: seconds
BATCH = 500


async def ensure_stream(nc: Client) -> None:
    js = nc.jetstream()
    try:
        await js.stream_info(subjects.TABLE_CHANGES_STREAM)
    except NotFoundError:
        await js.add_stream(StreamConfig(name=subjects.TABLE_CHANGES_STREAM, subjects=[subjects.TABLE_CHANGES_WILDCARD],
                                         storage=StorageType.FILE, max_age=24 * 3600, duplicate_window=300))


async def relay(nc: Client, storage: Storage) -> None:
    """Forever: outbox → JetStream, acknowledging what JetStream stored."""
    await ensure_stream(nc)
    js = nc.jetstream()
    after, tables = 0, {}
    while True:
        try:
            batch = await storage.changes(after, BATCH)
            for position, change in batch:
                table = tables.get(change.table)
                if table is None or table.name != change.table:
                    table = tables[change.table] = await storage.describe_table(change.table)
                rec = streams.record(change, table)
                await js.publish(subjects.table_changes(change.table), orjson.dumps(rec),
                                 headers={"Nats-Msg-Id": rec["eventID"]})
                after = position
            if batch:
                await storage.ack_changes(after)
            else:
                await asyncio.sleep(RELAY_IDLE_S)
        except asyncio.CancelledError:
            raise
        except ResourceNotFoundException:
            tables.clear()  # a table went away under a pending record; look again
            await asyncio.sleep(RELAY_IDLE_S)
        except Exception:  # keep relaying: the outbox still holds everything not acknowledged
            log.exception("change relay failed; retrying")
            await asyncio.sleep(1.0)


async def sweep_ttl(storage: Storage, interval: float = TTL_SWEEP_S) -> None:
    """Forever: delete items past their TTL."""
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep_once(storage)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("TTL sweep failed; retrying")


async def sweep_once(storage: Storage) -> int:
    removed, names, cursor = 0, [], None
    while True:
        batch, cursor = await storage.list_tables(cursor, 100)
        names += batch
        if cursor is None:
            break
    for name in names:
        table = await storage.describe_table(name)
        if not table.ttl_attribute:
            continue
        now = time.time()
        for key in await storage.expired(name, now, BATCH):
            def still_expired(old, attr=table.ttl_attribute, at=now):
                value = (old or {}).get(attr, {}).get("N")
                return None if old is not None and value is not None and float(value) <= at else old
            old, new = await storage.write(name, key, still_expired, by_ttl=True)
            removed += old is not None and new is None
    return removed
