"""What the event-source mappings of deployed stacks are doing: lag per mapping and shard.

Read from the engine alone (consumer positions, queue counts), so the CLI can ask
without going through a dispatcher.
"""

from __future__ import annotations

from overcast.deploy.state import read_all
from overcast.errors import OvercastError
from overcast.sources import consumers
from overcast.sources.origins import kinesis_shards, table_shard
from overcast.sources.shards import durable_name
from overcast.spec.mappings import mappings_of


async def mapping_status(nc, stage: str | None = None) -> list[dict]:
    js = nc.jetstream()
    out = []
    for (stg, stack), state in sorted((await read_all(nc, stage)).items()):
        for m in mappings_of(stg, stack, state["spec"]):
            row = {"id": m.id, "stage": stg, "function": f"{stack}.{m.function}",
                   "source": f"{m.source}:{m.source_name}", "enabled": m.enabled,
                   "onFailure": getattr(m, "on_failure", None), "lag": 0, "shards": {}}
            try:
                if m.source == "sqs":
                    from overcast.queues import client as queues

                    attrs = await queues.attributes(nc, m.source_name)
                    row["lag"] = sum(int(attrs.get(k, 0)) for k in (
                        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                else:
                    origins = await (kinesis_shards(nc, m) if m.source == "kinesis" else table_shard(nc, m))
                    for origin in origins:
                        lag = await consumers.pending(js, origin.stream, durable_name(m.id, origin.shard))
                        row["shards"][origin.shard_id] = lag
                        row["lag"] += lag
            except OvercastError as exc:
                row["error"] = exc.message
            out.append(row)
    return out
