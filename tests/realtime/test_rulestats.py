"""The rule counters, their sums over dispatchers and the `overcast rules` rows (pure)."""

from __future__ import annotations

from overcast.realtime import rulestats
from overcast.realtime.ruleset import rules_of
from overcast.realtime.rulestats import RuleStats, format_row, report, rule_rows, sum_reports

SPEC = {"rules": {
    "hot": {"sql": "SELECT temp FROM 'telemetry/+/data' WHERE temp > 30",
            "actions": [{"function": "recorder"}, {"queue": {"name": "alerts"}}],
            "errorAction": {"queue": {"name": "rule-errors"}}},
    "off": {"sql": "SELECT * FROM 'off/#'", "enabled": False, "actions": [{"function": "recorder"}]},
}}
HOT, OFF = rules_of("dev", "s", SPEC)


def counts(**given) -> dict:
    return {**RuleStats().to_dict(), "running": True, "inFlight": 0, **given}


def test_a_dispatchers_report_has_running_rules_and_counted_ones():
    stats = {"dev.s.gone": RuleStats(), "dev.s.hot": RuleStats()}
    stats["dev.s.hot"].matched = 2
    stats["dev.s.gone"].received = 5
    got = report([HOT], stats, {("dev", "s", "recorder"): 3, ("dev", "s", "other"): 9})
    assert got["dev.s.hot"]["running"] is True and got["dev.s.hot"]["matched"] == 2
    assert got["dev.s.hot"]["inFlight"] == 3
    assert got["dev.s.gone"] == {**RuleStats().to_dict(), "received": 5, "running": False, "inFlight": 0}


def test_a_running_rule_without_messages_is_reported_with_zeros():
    assert report([HOT], {}, {}) == {"dev.s.hot": counts()}


def test_sums_add_every_dispatcher_and_keep_the_latest_failure():
    a = {"rules": {"dev.s.hot": counts(received=3, matched=1, actionsFailed=1, lastFailure=[100.0, "old"])}}
    b = {"rules": {"dev.s.hot": counts(received=2, matched=2, inFlight=4, lastFailure=[200.0, "new"]),
                   "dev.s.off": counts(running=False, received=1)}}
    got = sum_reports([a, b])
    assert got["dev.s.hot"]["received"] == 5 and got["dev.s.hot"]["matched"] == 3
    assert got["dev.s.hot"]["actionsFailed"] == 1 and got["dev.s.hot"]["inFlight"] == 4
    assert got["dev.s.hot"]["dispatchers"] == 2 and got["dev.s.hot"]["lastFailure"] == [200.0, "new"]
    assert got["dev.s.off"]["dispatchers"] == 0 and got["dev.s.off"]["received"] == 1


def test_rows_come_from_the_deployed_state_with_notes():
    deployed = {("dev", "s"): {"spec": SPEC}}
    hot, off = rule_rows(deployed, [{"rules": {"dev.s.hot": counts(received=4, lastFailure=[0.0, "boom"])}}])
    assert hot["id"] == "dev.s.hot" and hot["topic"] == "telemetry/+/data" and hot["enabled"] is True
    assert hot["actions"] == ["function", "queue"] and hot["errorAction"] == "queue"
    assert hot["received"] == 4 and hot["note"] is None
    assert hot["lastFailure"] == {"at": "1970-01-01T00:00:00.000Z", "message": "boom"}
    assert off["enabled"] is False and off["note"] == "disabled" and off["received"] == 0


def test_notes_for_rules_no_dispatcher_runs():
    deployed = {("dev", "s"): {"spec": SPEC}}
    [hot, _] = rule_rows(deployed, [])
    assert hot["note"] == "no dispatcher answered" and hot["received"] == 0
    [hot, _] = rule_rows(deployed, [{"rules": {}}])
    assert hot["note"] == "not picked up by a dispatcher yet"
    [hot, _] = rule_rows(deployed, [{"rules": {"dev.s.hot": counts()}}, {"rules": {}}])
    assert hot["note"] == "running on 1 of 2 dispatchers"


def test_a_stack_whose_rules_cannot_be_read_is_a_row_saying_so():
    deployed = {("dev", "bad"): {"spec": {"rules": {"x": {"sql": "SELEKT nothing"}}}}, ("dev", "s"): {"spec": SPEC}}
    bad, hot, _ = rule_rows(deployed, [])
    assert bad["id"] == "dev.bad.*" and bad["note"].startswith("cannot read this stack's rules")
    assert hot["id"] == "dev.s.hot"


def test_a_row_is_one_line():
    [hot, off] = rule_rows({("dev", "s"): {"spec": SPEC}},
                           [{"rules": {"dev.s.hot": counts(received=3, matched=1, skipped=2,
                                                           lastFailure=[0.0, "SqsAction q:\nmissing"])}}])
    line = format_row(hot)
    assert "\n" not in line and line.startswith("dev.s.hot ")
    assert "'telemetry/+/data'" in line and "function,queue (on error: queue)" in line
    assert "received 3, matched 1, skipped 2, payload errors 0, actions failed 0" in line
    assert line.endswith("last failure 1970-01-01T00:00:00.000Z: SqsAction q: missing")
    assert format_row(off).endswith("(disabled)")


def test_counters_are_the_names_the_rows_use():
    assert set(rulestats.COUNTERS) <= set(rule_rows({("dev", "s"): {"spec": SPEC}}, [])[0])
