"""Schedule expressions (EventBridge ``rate(...)`` / ``cron(...)`` syntax) and the event a tick sends.

Pure: no clock, no I/O. All times are UTC epoch seconds. ``parse`` raises ``ValueError`` naming the
bad field and why; ``Schedule.next_after(t)`` is the first tick strictly after ``t`` (``None`` once a
cron schedule's years are exhausted), and is the same on every node, which is what lets nodes agree
on a tick's identity. The cron fields themselves (values, ``L``/``W``/``#`` day rules) are read by
``overcast.sources.cronfields``.
"""

from __future__ import annotations

import calendar
import copy
import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from overcast.sources.cronfields import MONTHS, dom_days, dom_rule, dow_days, dow_rule, field

_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"rate\(\s*(\S+)\s+(\S+)\s*\)")
_CRON = re.compile(r"cron\((.*)\)", re.S)


class Schedule:
    expression: str

    def next_after(self, t: float) -> float | None:
        raise NotImplementedError


@dataclass(frozen=True)
class RateSchedule(Schedule):
    """Every ``interval`` seconds from ``origin``.

    AWS starts a rate schedule when the rule is created; every node must compute the same ticks, so
    ticks are ``origin + k*interval`` (k ≥ 1) with ``origin`` the rule's creation time (whole seconds),
    or the Unix epoch when it is unknown (then ``rate(5 minutes)`` ticks on every 5th minute).
    """

    expression: str
    interval: int
    origin: int = 0

    def next_after(self, t: float) -> float:
        k = max(1, math.floor((t - self.origin) / self.interval) + 1)
        return float(self.origin + k * self.interval)


@dataclass(frozen=True)
class CronSchedule(Schedule):
    """Fields as sorted tuples; ``dom``/``dow`` are day rules (exactly one of them is ``None`` = ``?``)."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    dom: tuple | None
    months: tuple[int, ...]
    dow: tuple | None
    years: tuple[int, ...]

    def days(self, year: int, month: int) -> list[int]:
        """Days of ``month`` of ``year`` the day-of-month or day-of-week rule selects."""
        last = calendar.monthrange(year, month)[1]
        if self.dom is not None:
            return dom_days(self.dom, year, month, last)
        return dow_days(self.dow, year, month, last)

    def next_after(self, t: float) -> float | None:
        start = datetime.fromtimestamp(math.floor(t / 60) * 60 + 60, timezone.utc)
        low = (start.year, start.month, start.day, start.hour, start.minute)
        for year in self.years:
            if year < low[0]:
                continue
            for month in self.months:
                if (year, month) < low[:2]:
                    continue
                for day in self.days(year, month):
                    if (year, month, day) < low[:3]:
                        continue
                    for hour in self.hours:
                        if (year, month, day, hour) < low[:4]:
                            continue
                        for minute in self.minutes:
                            if (year, month, day, hour, minute) >= low:
                                return calendar.timegm((year, month, day, hour, minute, 0))
        return None


def parse(expression: str, created: float | None = None) -> Schedule:
    """A ``rate(value unit)`` or ``cron(min hour dom month dow year)`` expression, as EventBridge accepts it."""
    text = expression.strip() if isinstance(expression, str) else ""
    if m := _RATE.fullmatch(text):
        return _rate(text, m.group(1), m.group(2), created)
    if m := _CRON.fullmatch(text):
        return _cron(text, m.group(1).split())
    raise ValueError(f"schedule expression {expression!r}: expected 'rate(value unit)' or 'cron(fields)'")


def _rate(text: str, value: str, unit: str, created: float | None) -> RateSchedule:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{text}: the rate value must be a positive whole number, got {value!r}")
    n = int(value)
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise ValueError(f"{text}: the rate unit must be minute(s), hour(s) or day(s), got {unit!r}")
    if (n == 1) != (unit == singular):  # AWS: rate(1 minutes) and rate(5 minute) are both invalid
        raise ValueError(f"{text}: the unit must be singular when the value is 1 and plural otherwise")
    origin = 0 if created is None else math.floor(created)
    return RateSchedule(text, n * _UNITS[singular], origin)


def _cron(text: str, fields: list[str]) -> CronSchedule:
    if len(fields) != 6:
        raise ValueError(f"{text}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week "
                         f"year), got {len(fields)}")
    minute, hour, dom, month, dow, year = (f.upper() for f in fields)
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"{text}: exactly one of day-of-month ({dom!r}) and day-of-week ({dow!r}) must be '?'")
    return CronSchedule(
        text,
        field(minute, "minutes", 0, 59), field(hour, "hours", 0, 23),
        None if dom == "?" else dom_rule(dom),
        field(month, "month", 1, 12, MONTHS),
        None if dow == "?" else dow_rule(dow),
        field(year, "year", 1970, 2199, cyclic=False),
    )


def scheduled_event(*, rule_arn: str, tick: float, event_id: str, region: str, account: str,
                    input: object = None) -> dict:
    """The event a tick sends (EventBridge "Scheduled Event"); a rule's constant ``input`` replaces it whole."""
    if input is not None:
        return copy.deepcopy(input)
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(tick)),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
