"""Drives one batch of one shard lane through the mapping's error policy (``batching``).

For each step of the plan: send discarded records to the on-failure destination,
acknowledge what is done (the checkpoint), invoke the function with what is left,
judge the result. Throttling and a missing runtime are retried with a growing
pause and never use a retry attempt; function errors are retried after a short
pause (Lambda retries a failed stream batch at once; a pause keeps a hot loop
off the CPU).
"""

from __future__ import annotations

import asyncio
import os
import time

import orjson

from overcast.sources.batching import judge_status, record_arrival, record_id
from overcast.sources.filtering import compile_patterns
from overcast.sources.plan import StreamBatchPolicy

THROTTLE_PAUSE_S = (0.05, 0.1, 0.2, 0.5, 1.0)
FAILURE_PAUSE_S = 0.01  # times the failures in a row, at most 1 s
# For tests only: seconds added to the clock record ages are judged with (a record cannot be made old otherwise
# without waiting for maximumRecordAgeInSeconds, at least 60 s).
CLOCK_SKEW_S = float(os.environ.get("OVERCAST_ESM_CLOCK_SKEW_S", "0") or 0)


def _now() -> float:
    return time.time() + CLOCK_SKEW_S


class BatchDriver:
    def __init__(self, mapping, source, invoker, reporter) -> None:
        self.mapping = mapping
        self.source = source
        self.invoker = invoker
        self.reporter = reporter
        self.policy = StreamBatchPolicy(mapping.max_retries, mapping.bisect, mapping.max_record_age,
                                        mapping.report_failures)
        self.filter = compile_patterns(mapping.filters) if mapping.filters else None

    async def run(self, batch: list) -> None:
        """``batch``: (record, message) pairs in shard order; returns when every record is acknowledged."""
        if self.filter is not None:
            kept = []
            for record, msg in batch:
                if self.filter.matches(self.source.view(record)):
                    kept.append((record, msg))
                else:
                    await msg.ack()  # Lambda drops records no filter matches
            batch = kept
        if not batch:
            return
        msgs = [msg for _, msg in batch]
        plan = self.policy.start([record for record, _ in batch], _now(), id_of=record_id, arrival_of=record_arrival)
        step = plan.first
        failures: dict = {"first": None, "last": None, "reply": None}
        pauses = 0
        while True:
            for discard in step.discards:
                await self.reporter.report(self.mapping, self.source, discard, failures)
            start, end = step.completed
            for msg in msgs[start:end]:
                await msg.ack()
            if step.done:
                return
            event = self.source.event(step.invoke)
            reply = await self.invoker.invoke(self.mapping.stage, self.mapping.stack, self.mapping.function,
                                              orjson.dumps(event))
            outcome = self.policy.parse_response(judge_status(reply.status), reply.payload, step.ids)
            if outcome.kind != "success":  # every reply that is not "ok", and an "ok" reporting failures
                now = time.time()
                failures["first"] = failures["first"] or now
                failures["last"], failures["reply"] = now, reply
                pauses += 1
                if outcome.kind == "throttled":
                    await asyncio.sleep(THROTTLE_PAUSE_S[min(pauses, len(THROTTLE_PAUSE_S)) - 1])
                else:
                    await asyncio.sleep(min(FAILURE_PAUSE_S * pauses, 1.0))
            else:
                pauses = 0
            step = plan.after(outcome, _now())
