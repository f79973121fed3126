"""Schedule expressions (EventBridge ``rate(...)`` / ``cron(...)`` syntax) and the event a tick sends.

Pure: no clock, no I/O. All times are UTC epoch seconds. ``parse`` raises ``ValueError`` naming the
bad field and why; ``Schedule.next_after(t)`` is the first tick strictly after ``t`` (``None`` once a
cron schedule's years are exhausted), and is the same on every node, which is what lets nodes agree
on a tick's identity.
"""

from __future__ import annotations

import calendar
import copy
import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbering: 1=SUN ... 7=SAT
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
            return _dom_days(self.dom, year, month, last)
        return _dow_days(self.dow, year, month, last)

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
        _field(minute, "minutes", 0, 59), _field(hour, "hours", 0, 23),
        None if dom == "?" else _dom_rule(dom),
        _field(month, "month", 1, 12, MONTHS),
        None if dow == "?" else _dow_rule(dow),
        _field(year, "year", 1970, 2199, cyclic=False),
    )


def _value(text: str, name: str, lo: int, hi: int, names: tuple[str, ...] = ()) -> int:
    if text in names:
        return names.index(text) + lo
    if not text.isdigit():
        raise ValueError(f"cron {name} field: {text!r} is not a number" + (f" or one of {'/'.join(names)}"
                                                                          if names else ""))
    n = int(text)
    if not lo <= n <= hi:
        raise ValueError(f"cron {name} field: {n} is out of range {lo}-{hi}")
    return n


def _field(text: str, name: str, lo: int, hi: int, names: tuple[str, ...] = (), cyclic: bool = True) -> tuple:
    """A field of ``, - * /`` parts as the sorted values it selects; ranges wrap around (e.g. FRI-MON)."""
    out: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        step, max_step = 1, hi if cyclic else hi - lo
        if step_text:
            if not step_text.isdigit() or not 1 <= int(step_text) <= max_step:
                raise ValueError(f"cron {name} field: increment {step_text!r} in {part!r} must be 1-{max_step}")
            step = int(step_text)
        if spec == "*":
            first, last = lo, hi
        elif "-" in spec:
            a, _, b = spec.partition("-")
            first, last = _value(a, name, lo, hi, names), _value(b, name, lo, hi, names)
            if last < first and not cyclic:
                raise ValueError(f"cron {name} field: range {spec!r} ends before it starts")
        elif spec:
            first = _value(spec, name, lo, hi, names)
            last = hi if step_text else first
        else:
            raise ValueError(f"cron {name} field: empty value in {text!r}")
        span = (last - first) % (hi - lo + 1)
        out.update(lo + (first - lo + i) % (hi - lo + 1) for i in range(0, span + 1, step))
    return tuple(sorted(out))


def _dom_rule(text: str) -> tuple:
    """``('set', days)``, ``('last', offset)`` (L, L-3), ``('lastweekday',)`` (LW) or ``('weekday', n)`` (15W)."""
    if text == "L" or text.startswith("L-"):
        offset = _value(text[2:], "day-of-month", 0, 30) if text != "L" else 0
        return ("last", offset)
    if text == "LW":
        return ("lastweekday",)
    if text.endswith("W"):
        return ("weekday", _value(text[:-1], "day-of-month", 1, 31))
    if "L" in text or "W" in text:
        raise ValueError(f"cron day-of-month field: {text!r}: L and W cannot be combined with lists or ranges")
    return ("set", _field(text, "day-of-month", 1, 31))


def _dow_rule(text: str) -> tuple:
    """``('set', days)``, ``('last', day)`` (5L: last Thursday) or ``('nth', day, n)`` (3#2: 2nd Tuesday)."""
    if "#" in text:
        if "," in text or "-" in text or "/" in text:
            raise ValueError(f"cron day-of-week field: {text!r}: with '#' the field holds a single expression "
                             "(AWS rejects e.g. '3#1,6#3')")
        day, _, n = text.partition("#")
        return ("nth", _value(day, "day-of-week", 1, 7, DAYS), _value(n, "day-of-week '#'", 1, 5))
    if text == "L":
        return ("set", (7,))  # Quartz/AWS: a lone L is the last day of the week, Saturday
    if text.endswith("L"):
        if "," in text or "-" in text or "/" in text:
            raise ValueError(f"cron day-of-week field: {text!r}: 'L' cannot be combined with lists or ranges")
        return ("last", _value(text[:-1], "day-of-week", 1, 7, DAYS))
    if "L" in text:
        raise ValueError(f"cron day-of-week field: {text!r}: 'L' only follows a single day (e.g. 6L)")
    return ("set", _field(text, "day-of-week", 1, 7, DAYS))


def _aws_weekday(year: int, month: int, day: int) -> int:
    return (calendar.weekday(year, month, day) + 1) % 7 + 1  # Python: Monday=0 ... Sunday=6


def _dom_days(rule: tuple, year: int, month: int, last: int) -> list[int]:
    kind = rule[0]
    if kind == "set":
        return [d for d in rule[1] if d <= last]
    if kind == "last":
        return [last - rule[1]] if last - rule[1] >= 1 else []
    target = last if kind == "lastweekday" else rule[1]
    if target > last:
        return []
    weekday = calendar.weekday(year, month, target)  # 5 = Saturday, 6 = Sunday
    if weekday == 5:  # nearest weekday, never leaving the month
        target = target - 1 if target > 1 else target + 2
    elif weekday == 6:
        target = target + 1 if target < last else target - 2
    return [target]


def _dow_days(rule: tuple, year: int, month: int, last: int) -> list[int]:
    weekdays = {d: _aws_weekday(year, month, d) for d in range(1, last + 1)}
    if rule[0] == "set":
        return [d for d, w in weekdays.items() if w in rule[1]]
    matching = [d for d, w in weekdays.items() if w == rule[1]]
    if rule[0] == "last":
        return matching[-1:]
    return matching[rule[2] - 1:rule[2]]


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
