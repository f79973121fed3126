"""How each topic rule is doing (pure, no I/O): the counters a dispatcher's rule engine keeps, and the
``overcast rules`` view of them, summed over every dispatcher that answers.

A dispatcher counts, per rule and since it started: messages ``received`` (after the loop and platform-subject
checks), ``matched`` (WHERE true), ``skipped`` (WHERE false), ``payloadErrors`` (the SQL read fields of a
non-JSON payload: logged and skipped, as AWS IoT), ``actionsFailed``, ``errorActionsDelivered`` and
``errorActionsFailed``, and the last failure (epoch seconds, message). Counters are plain int attributes,
incremented on the message path: nothing is locked or sent per message; the dispatcher reports them when asked.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

from overcast.realtime import ruleset

COUNTERS = ("received", "matched", "skipped", "payloadErrors", "actionsFailed", "errorActionsDelivered",
            "errorActionsFailed")


class RuleStats:
    """One rule's counters in one dispatcher."""

    __slots__ = ("received", "matched", "skipped", "payload_errors", "actions_failed", "error_actions_delivered",
                 "error_actions_failed", "last_failure")

    def __init__(self) -> None:
        self.received = self.matched = self.skipped = self.payload_errors = 0
        self.actions_failed = self.error_actions_delivered = self.error_actions_failed = 0
        self.last_failure: tuple[float, str] | None = None

    def failed(self, message: str) -> None:
        self.last_failure = (time.time(), message)

    def to_dict(self) -> dict:
        return {"received": self.received, "matched": self.matched, "skipped": self.skipped,
                "payloadErrors": self.payload_errors, "actionsFailed": self.actions_failed,
                "errorActionsDelivered": self.error_actions_delivered,
                "errorActionsFailed": self.error_actions_failed,
                "lastFailure": list(self.last_failure) if self.last_failure else None}


def in_flight_of(rule: ruleset.Rule, in_flight: Mapping[tuple[str, str, str], int]) -> int:
    """First attempts in flight of the functions ``rule``'s function actions invoke (counted per function: two
    rules invoking one function see the same attempts)."""
    total = 0
    for action in rule.actions:
        if action.kind == "function":
            stack, _, fn = action.target.rpartition(".")
            total += in_flight.get((rule.stage, stack, fn), 0)
    return total


def report(running: list[ruleset.Rule], stats: Mapping[str, RuleStats],
           in_flight: Mapping[tuple[str, str, str], int]) -> dict[str, dict]:
    """A dispatcher's answer, per rule id: the counters of every rule it counted or runs, ``running``, and
    ``inFlight`` (:func:`in_flight_of`)."""
    out = {rule_id: {**s.to_dict(), "running": False, "inFlight": 0} for rule_id, s in list(stats.items())}
    for rule in running:
        counts = out.get(rule.id) or RuleStats().to_dict()
        out[rule.id] = {**counts, "running": True, "inFlight": in_flight_of(rule, in_flight)}
    return out


def sum_reports(reports: list[dict]) -> dict[str, dict]:
    """Per rule id, the counters of every dispatcher's report (``{"rules": {id: {...}}}``) added up;
    ``dispatchers``: how many of them run the rule; the last failure is the latest of theirs."""
    out: dict[str, dict] = {}
    for report in reports:
        for rule_id, counts in (report.get("rules") or {}).items():
            total = out.setdefault(rule_id, {**dict.fromkeys(COUNTERS, 0), "inFlight": 0, "dispatchers": 0,
                                             "lastFailure": None})
            for key in (*COUNTERS, "inFlight"):
                total[key] += counts.get(key, 0)
            total["dispatchers"] += 1 if counts.get("running") else 0
            last = counts.get("lastFailure")
            if last and (total["lastFailure"] is None or last[0] > total["lastFailure"][0]):
                total["lastFailure"] = last
    return out


def rule_rows(deployed: Mapping[tuple[str, str], dict], reports: list[dict]) -> list[dict]:
    """One row per rule of the deployed stacks (disabled ones too), with the dispatchers' counters summed."""
    summed = sum_reports(reports)
    rows = []
    for (stage, stack), state in sorted(deployed.items()):
        try:
            rules = ruleset.rules_of(stage, stack, state.get("spec") or {})
        except Exception as exc:  # a document the engine cannot read either: say so, keep the other stacks
            rows.append(_row(f"{stage}.{stack}.*", None, False, [], None,
                             f"cannot read this stack's rules: {exc}"))
            continue
        for rule in rules:
            counts = summed.get(rule.id)
            rows.append(_row(rule.id, rule.statement.topic_filter, rule.enabled, [a.kind for a in rule.actions],
                             rule.error_action.kind if rule.error_action else None,
                             _note(rule.enabled, counts, len(reports)), counts))
    return rows


def _row(rule_id: str, topic: str | None, enabled: bool, actions: list[str], error_action: str | None,
         note: str | None, counts: dict | None = None) -> dict:
    counts = counts or {}
    last = counts.get("lastFailure")
    return {"id": rule_id, "topic": topic, "enabled": enabled, "actions": actions, "errorAction": error_action,
            **{key: counts.get(key, 0) for key in COUNTERS}, "inFlight": counts.get("inFlight", 0),
            "dispatchers": counts.get("dispatchers", 0),
            "lastFailure": {"at": iso_time(last[0]), "message": last[1]} if last else None, "note": note}


def _note(enabled: bool, counts: dict | None, answered: int) -> str | None:
    if not enabled:
        return "disabled"
    if answered == 0:
        return "no dispatcher answered"
    running = counts["dispatchers"] if counts else 0
    if running == 0:
        return "not picked up by a dispatcher yet"
    if running < answered:
        return f"running on {running} of {answered} dispatchers"
    return None


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_row(row: dict) -> str:
    """A row of :func:`rule_rows` as one line of text."""
    state = "enabled" if row["enabled"] else "disabled"
    actions = ",".join(row["actions"]) or "-"
    if row["errorAction"]:
        actions += f" (on error: {row['errorAction']})"
    topic = f"'{row['topic']}'" if row["topic"] is not None else "-"
    line = (f"{row['id']:<28} {topic:<24} {state:<8} {actions:<36}  received {row['received']}, "
            f"matched {row['matched']}, skipped {row['skipped']}, payload errors {row['payloadErrors']}, "
            f"actions failed {row['actionsFailed']}, error actions delivered {row['errorActionsDelivered']}, "
            f"error actions failed {row['errorActionsFailed']}, in flight {row['inFlight']}")
    last = row["lastFailure"]
    if last:
        line += f"  last failure {last['at']}: {' '.join(last['message'].split())}"
    if row["note"]:
        line += f"  ({row['note']})"
    return line
