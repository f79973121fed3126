"""Cron fields as EventBridge writes them: each field's values, the day rules, and the days a rule selects.

Pure. ``field`` turns a field of ``, - * /`` parts into the sorted values it selects; ``dom_rule`` and
``dow_rule`` read the day-of-month and day-of-week fields (with ``L``, ``W`` and ``#``) into rule tuples,
and ``dom_days`` / ``dow_days`` give the days of a month such a rule selects. Errors are ``ValueError``
naming the field and why. ``overcast.sources.schedules`` builds cron schedules from these.
"""

from __future__ import annotations

import calendar

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbering: 1=SUN ... 7=SAT


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


def field(text: str, name: str, lo: int, hi: int, names: tuple[str, ...] = (), cyclic: bool = True) -> tuple:
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


def dom_rule(text: str) -> tuple:
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
    return ("set", field(text, "day-of-month", 1, 31))


def dow_rule(text: str) -> tuple:
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
    return ("set", field(text, "day-of-week", 1, 7, DAYS))


def _aws_weekday(year: int, month: int, day: int) -> int:
    return (calendar.weekday(year, month, day) + 1) % 7 + 1  # Python: Monday=0 ... Sunday=6


def dom_days(rule: tuple, year: int, month: int, last: int) -> list[int]:
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


def dow_days(rule: tuple, year: int, month: int, last: int) -> list[int]:
    weekdays = {d: _aws_weekday(year, month, d) for d in range(1, last + 1)}
    if rule[0] == "set":
        return [d for d, w in weekdays.items() if w in rule[1]]
    matching = [d for d, w in weekdays.items() if w == rule[1]]
    if rule[0] == "last":
        return matching[-1:]
    return matching[rule[2] - 1:rule[2]]
