"""The topic-rule engine of a dispatcher: every deployed stack's ``rules:``, running (``start()`` / ``stop()``).

Each enabled rule holds one NATS subscription per subject of its FROM filter, in a queue group of its own, so
every message is handled once across all dispatchers of the platform. A message is evaluated with the rule's
SQL (topic from the subject; ``clientid()`` is ``n/a``, as for AWS IoT's HTTP publishes: nats-server's MQTT
layer does not pass a client id on to NATS); when WHERE holds, all actions run concurrently, and failed ones go
to the ``errorAction`` in one AWS-shaped error envelope. SQL errors on a payload (a binary payload whose
fields are read) are logged and skip the message, as AWS IoT logs them without an error action.

Each rule's counters since the dispatcher started (``stats``, see :mod:`overcast.realtime.rulestats`) are
plain int increments on the message path; :meth:`RuleEngine.report` is what the dispatcher answers status
requests with.

Delivery is at most once, as a NATS subscription is: a message published while no dispatcher runs is not
seen by rules. A rule's messages are handled one after another, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

import orjson

from overcast.realtime import ruleset, rulestats
from overcast.realtime.actions import ActionFailed, ActionRunner, Incoming
from overcast.realtime.publish import platform_subject
from overcast.realtime.rulestats import RuleStats
from overcast.realtime.sql import PayloadError
from overcast.realtime.topics import subject_to_topic

log = logging.getLogger("overcast.rules")
NO_CLIENT = "n/a"


class RuleEngine:
    def __init__(self, nc, invoker, tables_url: str | None = None, submit=None) -> None:
        self.nc = nc
        self.invoker = invoker
        self.tables_url = tables_url
        self.storage = None
        self.runner = ActionRunner(nc, invoker, submit=submit)
        self.running: dict[str, tuple[ruleset.Rule, list]] = {}  # rule id -> (rule, subscriptions)
        self.stats: dict[str, RuleStats] = {}  # rule id -> counters; kept when a rule stops or changes
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        if self.tables_url:
            from overcast.compat.dynamodb.service import DynamoService
            from overcast.tables.storage import open_storage

            self.storage = open_storage(self.tables_url)
            await self.storage.open()
            self.runner.dynamo = DynamoService(self.storage)
        self.invoker.subscribe(self._changed)
        await self.reconcile()

    async def stop(self) -> None:
        async with self._lock:
            for rule_id in list(self.running):
                await self._stop_rule(rule_id)
        if self.storage is not None:
            await self.storage.close()

    async def _changed(self, stage: str, stack: str, doc) -> None:
        await self.reconcile()

    def wanted(self) -> dict[str, ruleset.Rule]:
        out = {}
        for (stage, stack), state in list(self.invoker.states.items()):
            try:
                rules = ruleset.rules_of(stage, stack, state.get("spec") or {})
            except Exception:  # one bad document must not stop the other stacks' rules
                log.exception("cannot read the rules of %s.%s", stage, stack)
                continue
            out.update((r.id, r) for r in rules if r.enabled)
        return out

    async def reconcile(self) -> None:
        async with self._lock:
            if self.runner.dynamo is not None:
                from overcast.compat.dynamodb.grants import grants_of

                self.runner.dynamo.grants = grants_of(self.invoker.states)
            wanted = self.wanted()
            for rule_id, (rule, _) in list(self.running.items()):
                if wanted.get(rule_id) != rule:
                    await self._stop_rule(rule_id)
            for rule_id, rule in wanted.items():
                if rule_id not in self.running:
                    await self._start_rule(rule)

    async def _start_rule(self, rule: ruleset.Rule) -> None:
        async def on_message(msg) -> None:
            await self.handle(rule, msg.subject, msg.data, msg.headers)

        subs = []
        for subject in rule.subjects:
            subs.append(await self.nc.subscribe(subject, queue=rule.queue_group, cb=on_message))
        self.running[rule.id] = (rule, subs)
        log.info("rule %s: listening on %s", rule.id, rule.statement.topic_filter)

    async def _stop_rule(self, rule_id: str) -> None:
        _, subs = self.running.pop(rule_id)
        for sub in subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    def report(self, in_flight: dict) -> dict[str, dict]:
        """Per rule id: its counters, whether this dispatcher runs it, and the first attempts in flight of its
        function actions (``in_flight``: :attr:`FirstAttempts.in_flight`)."""
        return rulestats.report([rule for rule, _ in list(self.running.values())], self.stats, in_flight)

    def _stats(self, rule_id: str) -> RuleStats:
        stats = self.stats.get(rule_id)
        if stats is None:
            stats = self.stats[rule_id] = RuleStats()
        return stats

    async def handle(self, rule: ruleset.Rule, subject: str, payload: bytes, headers: dict | None) -> None:
        """One message of ``rule``: evaluate, run the actions, report failures. Never raises."""
        stats = self._stats(rule.id)
        try:
            if platform_subject(subject) or not ruleset.accepts(rule, headers):
                return  # a filter like '#' also matches the platform's own subjects: never a rule's business
            stats.received += 1
            msg = Incoming(subject_to_topic(subject), bytes(payload), NO_CLIENT, int(time.time() * 1000), headers)
            try:
                result = rule.statement.evaluate_payload(msg.payload, topic=msg.topic, client_id=msg.client_id,
                                                         now_ms=msg.now_ms)
            except PayloadError as exc:
                stats.payload_errors += 1
                stats.failed(f"message on {msg.topic} skipped: {exc.message}")
                log.warning("rule %s: message on %s skipped: %s", rule.id, msg.topic, exc.message)
                return
            if result is None:
                stats.skipped += 1
                return
            stats.matched += 1
            outcomes = await asyncio.gather(*(self._attempt(rule, a, result, msg) for a in rule.actions))
            failures = [f for f in outcomes if f is not None]
            if failures:
                stats.actions_failed += len(failures)
                stats.failed("; ".join(f"{f['failedAction']} {f['failedResource']}: {f['errorMessage']}"
                                       for f in failures))
                await self._report(rule, msg, failures, stats)
        except Exception as exc:  # a bug of ours: the next message must still be handled
            stats.failed(f"engine error: {exc!r}")
            log.exception("rule %s failed on a message of %s", rule.id, subject)

    async def _attempt(self, rule: ruleset.Rule, action: ruleset.Action, result: bytes,
                       msg: Incoming) -> dict | None:
        try:
            await self.runner.run(rule, action, result, msg)
            return None
        except ActionFailed as exc:
            return ruleset.failure(action, exc.resource, exc.message)
        except Exception as exc:  # engine trouble: reported like any failure
            log.warning("rule %s: %s action failed: %s", rule.id, action.kind, exc)
            return ruleset.failure(action, self.runner.resource(rule, action), str(exc) or type(exc).__name__)

    async def _report(self, rule: ruleset.Rule, msg: Incoming, failures: list[dict], stats: RuleStats) -> None:
        envelope = ruleset.error_envelope(rule=rule.name, topic=msg.topic, client_id=msg.client_id,
                                          payload=msg.payload, trace_id=str(uuid.uuid4()), failures=failures)
        if rule.error_action is None:
            log.warning("rule %s: actions failed on %s: %s", rule.id, msg.topic, failures)
            return
        try:
            await self.runner.run(rule, rule.error_action, orjson.dumps(envelope), msg)
            stats.error_actions_delivered += 1
        except Exception as exc:
            stats.error_actions_failed += 1
            stats.failed(f"error action failed: {getattr(exc, 'message', None) or exc!r}")
            log.error("rule %s: the error action failed too (%s); failures were %s", rule.id,
                      getattr(exc, "message", exc), failures)
