"""Schedule expressions: EventBridge's rate/cron rules, tick computation, and the Scheduled Event shape."""

from __future__ import annotations

import calendar
import json
import time
from pathlib import Path

import pytest

from overcast.sources.schedules import CronSchedule, RateSchedule, parse, scheduled_event

SAMPLES = Path("/work/shared/aws-events")


def at(text: str) -> float:
    """'2024-02-28 13:05' (UTC) as epoch seconds."""
    date, _, clock = text.partition(" ")
    y, mo, d = map(int, date.split("-"))
    h, mi = map(int, (clock or "00:00").split(":"))
    return float(calendar.timegm((y, mo, d, h, mi, 0)))


def ticks(expression: str, after: str, n: int = 5) -> list[str]:
    schedule, t, out = parse(expression), at(after), []
    for _ in range(n):
        t = schedule.next_after(t)
        if t is None:
            break
        out.append(time.strftime("%Y-%m-%d %H:%M", time.gmtime(t)))
    return out


VALID = [
    "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 hours)", "rate(1 day)", "rate(2 days)",
    "rate(  10 minutes )",
    "cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)",
    "cron(1/10 * * * ? *)", "cron(*/5 * * * ? *)", "cron(0 0 L * ? *)", "cron(0 0 LW * ? *)",
    "cron(0 0 15W * ? *)", "cron(0 0 ? * 6L *)", "cron(0 0 ? * FRIL *)", "cron(0 0 ? * L *)",
    "cron(0 0 1,15 JAN,FEB,MAR ? 2024-2030)", "cron(0 0 ? * SUN *)", "cron(0 0 ? * 1-7 *)",
    "cron(0 0 ? * MON#5 *)", "cron(0 0 1/5 * ? *)", "cron(0 0 ? * * 2199)", "cron(0 0 1 1 ? 1970)",
    "cron(0 22-2 ? * FRI-MON *)", "cron(0 0 * * ? */10)", "cron(0 0 L-3 * ? *)", "cron(0 0 ? jan mon *)",
    "cron(0\t0  * * ? *)",
]


@pytest.mark.parametrize("expression", VALID)
def test_valid_expressions_parse(expression):
    schedule = parse(expression)
    assert isinstance(schedule, (RateSchedule, CronSchedule))
    assert schedule.next_after(at("1969-06-01")) is not None


INVALID = [
    ("rate(1 minutes)", "singular when the value is 1"),
    ("rate(5 minute)", "plural otherwise"),
    ("rate(1 hours)", "singular"),
    ("rate(2 day)", "plural"),
    ("rate(0 minutes)", "positive whole number"),
    ("rate(-1 minutes)", "positive whole number"),
    ("rate(1.5 minutes)", "positive whole number"),
    ("rate(5 seconds)", "minute\\(s\\), hour\\(s\\) or day\\(s\\)"),
    ("rate(1 week)", "unit"),
    ("rate(minutes)", "expected 'rate"),
    ("rate 5 minutes", "expected 'rate"),
    ("", "expected 'rate"),
    ("every minute", "expected 'rate"),
    ("cron()", "6 fields"),
    ("cron(0 10 * * ?)", "6 fields"),
    ("cron(0 10 * * ? * *)", "6 fields"),
    ("cron(0 10 * * * *)", "exactly one of day-of-month"),
    ("cron(0 10 ? * ? *)", "exactly one of day-of-month"),
    ("cron(0 10 1 * MON *)", "exactly one of day-of-month"),
    ("cron(60 * * * ? *)", "minutes field: 60 is out of range 0-59"),
    ("cron(0 24 * * ? *)", "hours field: 24 is out of range 0-23"),
    ("cron(0 0 0 * ? *)", "day-of-month field: 0 is out of range 1-31"),
    ("cron(0 0 32 * ? *)", "day-of-month field: 32 is out of range 1-31"),
    ("cron(0 0 1 13 ? *)", "month field: 13 is out of range 1-12"),
    ("cron(0 0 1 FOO ? *)", "month field: 'FOO' is not a number or one of JAN/"),
    ("cron(0 0 ? * 0 *)", "day-of-week field: 0 is out of range 1-7"),
    ("cron(0 0 ? * 8 *)", "day-of-week field: 8 is out of range 1-7"),
    ("cron(0 0 ? * MON-FRX *)", "day-of-week field: 'FRX'"),
    ("cron(0 0 1 * ? 1969)", "year field: 1969 is out of range 1970-2199"),
    ("cron(0 0 1 * ? 2200)", "year field: 2200 is out of range 1970-2199"),
    ("cron(0 0 1 * ? 2030-2025)", "year field: range '2030-2025' ends before it starts"),
    ("cron(0 ? * * ? *)", "hours field: '\\?' is not a number"),
    ("cron(? 0 * * ? *)", "minutes field"),
    ("cron(0 0 1 ?,1 ? *)", "month field"),
    ("cron(0 0 1 * ? ?)", "year field"),
    ("cron(0 L * * ? *)", "hours field"),
    ("cron(0 0 1 L ? *)", "month field"),
    ("cron(0/0 * * * ? *)", "minutes field: increment '0'"),
    ("cron(0/60 * * * ? *)", "minutes field: increment '60' in '0/60' must be 1-59"),
    ("cron(a * * * ? *)", "minutes field: 'A' is not a number"),
    ("cron(0,,5 * * * ? *)", "minutes field: empty value"),
    ("cron(0 0 ? * 3#1,6#3 *)", "single expression"),
    ("cron(0 0 ? * 3#0 *)", "'#' field: 0 is out of range 1-5"),
    ("cron(0 0 ? * 3#6 *)", "'#' field: 6 is out of range 1-5"),
    ("cron(0 0 ? * 8#1 *)", "day-of-week field: 8"),
    ("cron(0 0 L,15 * ? *)", "day-of-month field: 'L,15'"),
    ("cron(0 0 1W,15 * ? *)", "day-of-month field"),
    ("cron(0 0 0W * ? *)", "day-of-month field: 0 is out of range"),
    ("cron(0 0 L/2 * ? *)", "day-of-month field"),
    ("cron(0 0 ? * 5L,6 *)", "day-of-week field"),
    ("cron(0 0 ? * 1-L *)", "day-of-week field"),
    ("cron(0 0 W * ? *)", "day-of-month field"),
    ("cron(0 0 ? * 2W *)", "day-of-week field"),
]


@pytest.mark.parametrize(("expression", "message"), INVALID)
def test_invalid_expressions_name_field_and_reason(expression, message):
    with pytest.raises(ValueError, match=message):
        parse(expression)


def test_rate_ticks_are_epoch_aligned_without_creation_time_and_strictly_after():
    schedule = parse("rate(5 minutes)")
    assert schedule.next_after(at("2024-03-01 10:02")) == at("2024-03-01 10:05")
    assert schedule.next_after(at("2024-03-01 10:05")) == at("2024-03-01 10:10")
    assert parse("rate(1 day)").next_after(at("2024-03-01 10:02")) == at("2024-03-02")
    assert parse("rate(1 hour)").next_after(at("2024-03-01 10:00") - 0.5) == at("2024-03-01 10:00")


def test_rate_ticks_start_from_creation_time_when_given():
    created = at("2024-03-01 10:02") + 17.6
    schedule = parse("rate(2 minutes)", created=created)
    first = schedule.next_after(created)
    assert first == at("2024-03-01 10:04") + 17
    assert schedule.next_after(first) == first + 120
    assert schedule.next_after(created - 3600) == first  # nothing before the rule existed


@pytest.mark.parametrize(("expression", "after", "expected"), [
    # month ends: the 31st skips 30-day months and February
    ("cron(0 0 31 * ? *)", "2024-01-31 00:00", ["2024-03-31 00:00", "2024-05-31 00:00", "2024-07-31 00:00"]),
    # leap years
    ("cron(0 12 29 FEB ? *)", "2024-03-01", ["2028-02-29 12:00", "2032-02-29 12:00"]),
    ("cron(0 0 29 2 ? *)", "2099-01-01", ["2104-02-29 00:00"]),  # 2100 is not a leap year
    # L: last day of the month, L-n
    ("cron(0 0 L * ? *)", "2023-01-31 00:00", ["2023-02-28 00:00", "2023-03-31 00:00", "2023-04-30 00:00"]),
    ("cron(0 0 L FEB ? *)", "2023-03-01", ["2024-02-29 00:00", "2025-02-28 00:00"]),
    ("cron(0 0 L-1 * ? *)", "2024-02-01", ["2024-02-28 00:00", "2024-03-30 00:00"]),
    # W: nearest weekday, never leaving the month
    ("cron(0 9 15W * ? *)", "2024-06-01", ["2024-06-14 09:00", "2024-07-15 09:00"]),  # Jun 15 Sat -> Fri 14
    ("cron(0 9 16W * ? *)", "2024-06-01", ["2024-06-17 09:00"]),  # Jun 16 Sun -> Mon 17
    ("cron(0 9 1W * ? *)", "2024-05-15", ["2024-06-03 09:00"]),  # Jun 1 Sat -> Mon 3 (not May 31)
    ("cron(0 9 30W * ? *)", "2024-06-01", ["2024-06-28 09:00"]),  # Jun 30 Sun, last day -> Fri 28
    ("cron(0 9 31W * ? *)", "2024-04-01", ["2024-05-31 09:00"]),  # April has no 31st
    ("cron(0 9 LW * ? *)", "2024-03-01", ["2024-03-29 09:00", "2024-04-30 09:00"]),  # Mar 31 Sun -> Fri 29
    # #: nth weekday (2 = MON, 6 = FRI)
    ("cron(0 9 ? * 6#3 *)", "2024-01-01", ["2024-01-19 09:00", "2024-02-16 09:00"]),
    ("cron(0 9 ? * MON#5 *)", "2024-01-01", ["2024-01-29 09:00", "2024-04-29 09:00", "2024-07-29 09:00"]),
    # nL: last <weekday> of the month (5 = THU)
    ("cron(0 0 ? * 5L *)", "2024-02-01", ["2024-02-29 00:00", "2024-03-28 00:00"]),
    # day-of-week numbering: 1 = SUN ... 7 = SAT, L alone = SAT; ranges may wrap
    ("cron(0 0 ? * 1 *)", "2024-06-01", ["2024-06-02 00:00", "2024-06-09 00:00"]),
    ("cron(0 0 ? * SUN *)", "2024-06-01", ["2024-06-02 00:00"]),
    ("cron(0 0 ? * 7 *)", "2024-06-02", ["2024-06-08 00:00"]),
    ("cron(0 0 ? * L *)", "2024-06-02", ["2024-06-08 00:00"]),
    ("cron(0 0 ? * 2-6 *)", "2024-06-07 12:00", ["2024-06-10 00:00"]),
    ("cron(0 0 ? * SAT-SUN *)", "2024-06-03", ["2024-06-08 00:00", "2024-06-09 00:00", "2024-06-15 00:00"]),
    ("cron(30 23-1 ? * FRI *)", "2024-06-07", ["2024-06-07 00:30", "2024-06-07 01:30", "2024-06-07 23:30"]),
    # increments
    ("cron(1/10 * * * ? *)", "2024-06-01 10:45", ["2024-06-01 10:51", "2024-06-01 11:01", "2024-06-01 11:11"]),
    ("cron(0 */6 * * ? *)", "2024-06-01 05:00", ["2024-06-01 06:00", "2024-06-01 12:00"]),
    ("cron(0 0 1 1/4 ? *)", "2024-02-01", ["2024-05-01 00:00", "2024-09-01 00:00", "2025-01-01 00:00"]),
    # year bounds
    ("cron(0 0 1 1 ? 2199)", "2150-06-01", ["2199-01-01 00:00"]),
    ("cron(0 0 1 JAN ? 2030-2031)", "2024-01-01", ["2030-01-01 00:00", "2031-01-01 00:00"]),
    ("cron(0 0 1 1 ? 2020)", "2024-01-01", []),
    ("cron(0 0 30 FEB ? *)", "2024-01-01", []),  # never fires: no error, no tick
])
def test_next_after(expression, after, expected):
    assert ticks(expression, after, n=max(1, len(expected))) == expected


def test_cron_next_after_is_strictly_after_and_on_whole_minutes():
    schedule = parse("cron(* * * * ? *)")
    assert schedule.next_after(at("2024-01-01 10:00")) == at("2024-01-01 10:01")
    assert schedule.next_after(at("2024-01-01 10:00") + 59.9) == at("2024-01-01 10:01")
    assert schedule.next_after(at("2024-12-31 23:59")) == at("2025-01-01 00:00")
    assert parse("cron(0 0 1 1 ? 2199)").next_after(at("2199-01-01")) is None


def test_scheduled_event_matches_the_aws_sample_key_by_key():
    sample = json.loads((SAMPLES / "scheduled.json").read_text())
    event = scheduled_event(
        rule_arn=sample["resources"][0], tick=float(calendar.timegm((2015, 10, 8, 16, 53, 6))),
        event_id=sample["id"], region=sample["region"], account=sample["account"],
    )
    assert list(event) == list(sample)
    for key in sample:
        assert event[key] == sample[key], key
    assert json.dumps(event) == json.dumps(sample)


def test_constant_input_replaces_the_event():
    given = {"job": "nightly", "args": [1, 2]}
    event = scheduled_event(rule_arn="arn:aws:events:us-east-1:1:rule/r", tick=0.0, event_id="x",
                            region="us-east-1", account="1", input=given)
    assert event == given and event is not given
