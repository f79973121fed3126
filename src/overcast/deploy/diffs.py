"""Prop diffs (pure): the field-by-field changes between a resource's stored and desired props.

``ABSENT`` marks a field that is not there (distinct from a JSON ``null``); the planner puts the
changes in its plan actions and ``render`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class _Absent:
    """A prop or key that is not there (distinct from a JSON ``null``)."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:  # copies and pickles stay the one ABSENT
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class Change:
    """One changed field; nested mappings give dotted fields (``environment.COLOUR``).
    ``old`` is ``ABSENT`` for an added field, ``new`` for a removed one."""

    field: str
    old: Any = ABSENT
    new: Any = ABSENT

    def to_json(self) -> dict:
        out: dict = {"field": self.field}
        if self.old is not ABSENT:
            out["old"] = self.old
        if self.new is not ABSENT:
            out["new"] = self.new
        return out


def diff_props(old: Mapping, new: Mapping, prefix: str = "") -> list[Change]:
    """Field-by-field differences, sorted by field; a missing mapping counts as an empty one."""
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, ABSENT), new.get(key, ABSENT)
        if isinstance(a, Mapping) or isinstance(b, Mapping):
            a2 = {} if a is ABSENT else a
            b2 = {} if b is ABSENT else b
            if isinstance(a2, Mapping) and isinstance(b2, Mapping):
                changes.extend(diff_props(a2, b2, f"{prefix}{key}."))
                continue
        if a is ABSENT and b is ABSENT:
            continue
        if (a is ABSENT) != (b is ABSENT) or a != b or type(a) is not type(b):
            changes.append(Change(f"{prefix}{key}", a, b))
    return changes

