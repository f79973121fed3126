"""Resolved document paths: reading them from items and checking that paths do not overlap.

A resolved path is a tuple whose first part is a top-level attribute name
(``str``) followed by map keys (``str``) and list indexes (``int``):
``a.b[2].c`` is ``("a", "b", 2, "c")``.
"""

from __future__ import annotations

from overcast.tables.expressions.tokens import invalid


def get_path(item: dict, parts: tuple) -> dict | None:
    """The attribute value at ``parts`` in ``item``, or None when any step is missing or of the wrong type."""
    current = item.get(parts[0])
    for part in parts[1:]:
        if current is None:
            return None
        if isinstance(part, int):
            elements = current.get("L")
            if elements is None or part >= len(elements):
                return None
            current = elements[part]
        else:
            members = current.get("M")
            if members is None:
                return None
            current = members.get(part)
    return current


def format_path(parts: tuple) -> str:
    """A path as DynamoDB shows it in messages: ``[a, b, [2]]``."""
    return "[" + ", ".join(f"[{p}]" if isinstance(p, int) else p for p in parts) + "]"


def check_overlaps(paths: list[tuple], kind: str) -> None:
    """ValidationException when two paths overlap (one is a prefix of, or equal to, the other)
    or conflict (one uses a level as a map, the other as a list)."""
    for i, first in enumerate(paths):
        for second in paths[i + 1 :]:
            shared = 0
            limit = min(len(first), len(second))
            while shared < limit and type(first[shared]) is type(second[shared]) and first[shared] == second[shared]:
                shared += 1
            if shared == limit:
                what = "overlap"
            elif isinstance(first[shared], int) != isinstance(second[shared], int):
                what = "conflict"
            else:
                continue
            raise invalid(
                kind,
                f"Two document paths {what} with each other; must remove or rewrite one of these paths; "
                f"path one: {format_path(first)}, path two: {format_path(second)}",
            )
