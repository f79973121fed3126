"""What the dispatchers' work is doing, for the CLI.

Event-source mappings (:func:`mapping_status`): lag per mapping and shard, read from the engine alone
(consumer positions, queue counts), without going through a dispatcher.

Topic rules (:func:`rule_status`): each dispatcher registers in the node registry (role ``dispatcher``) and
answers status requests with its rule engine's counters (:class:`StatusResponder`); the CLI asks every live
one and sums them, over the rules of the deployed state.
"""

from __future__ import annotations

import asyncio

import orjson

from overcast.deploy.state import read_all
from overcast.engine import subjects
from overcast.errors import OvercastError
from overcast.platform import nodes
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


ROLE = "dispatcher"


class StatusResponder:
    """A dispatcher's part that registers it (role ``dispatcher``) and answers status requests on its own
    subject with ``{"role", "node", "rules"}``: ``rules`` is :meth:`RuleEngine.report`, given the first attempts
    in flight of ``first`` (:class:`FirstAttempts`, or None)."""

    def __init__(self, nc, rules, first=None) -> None:
        self.nc = nc
        self.rules = rules
        self.first = first
        self.node_id = nodes.new_node_id()
        self._sub = None
        self._beat: asyncio.Task | None = None

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(subjects.node_status(ROLE, self.node_id), cb=self._status)
        self._beat = asyncio.create_task(nodes.heartbeat(self.nc, ROLE, self.node_id))

    async def stop(self) -> None:
        if self._beat is not None:
            self._beat.cancel()  # deregisters on the way out
            await asyncio.gather(self._beat, return_exceptions=True)
        if self._sub is not None:
            await self._sub.unsubscribe()

    async def _status(self, msg) -> None:
        in_flight = self.first.in_flight if self.first is not None else {}
        await msg.respond(orjson.dumps({"role": ROLE, "node": self.node_id,
                                        "rules": self.rules.report(in_flight)}))


async def rule_status(nc, stage: str | None = None) -> tuple[list[dict], int]:
    """Rows of :func:`overcast.realtime.rulestats.rule_rows` for the deployed stacks (of ``stage``), and how
    many live dispatchers did not answer in time (their counts are missing from the sums)."""
    from overcast.realtime.rulestats import rule_rows

    deployed = await read_all(nc, stage)
    live = await nodes.live(nc, ROLE)
    answers = await asyncio.gather(*(nodes.status(nc, role, node, timeout=2) for role, node in live))
    reports = [a for a in answers if a is not None and a is not nodes.GONE]
    return rule_rows(deployed, reports), sum(1 for a in answers if a is None)
