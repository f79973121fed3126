"""Applying an UpdateExpression to an item.

DynamoDB's semantics, as implemented here:

* Every operand (right-hand sides of SET, values of ADD/DELETE) is read from
  the item as it was before the update; paths may not overlap or conflict.
* SET replaces or creates; ``a[i]`` beyond the end of a list appends (several
  such appends land in index order); a missing parent or a parent of the wrong
  type is "The document path provided in the update expression is invalid for
  update". ``a + b`` / ``a - b`` need numbers; ``list_append`` needs lists;
  ``if_not_exists(p, v)`` is ``p`` when it exists, else ``v``. An operand
  that refers to a missing attribute is an error.
* REMOVE deletes; indexes refer to the list before the update, so
  ``REMOVE l[0], l[2]`` removes those two original elements; a missing final
  element is ignored.
* ADD adds to a number (a missing attribute counts as 0) or unions a set;
  DELETE removes members from a set of the same type and removes the
  attribute when the set becomes empty. Any other type is an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from overcast.tables import numbers
from overcast.tables.comparison import decode_binary, type_of
from overcast.tables.errors import ValidationException
from overcast.tables.expressions.bind import Binder
from overcast.tables.expressions.paths import check_overlaps, get_path
from overcast.tables.expressions.projection import project
from overcast.tables.expressions.update_operands import SET_TYPES, WRONG_TYPE, check_action_value, compile_value
from overcast.tables.values import copy_value

INVALID_PATH = "The document path provided in the update expression is invalid for update"


def _parent(item: dict, parts: tuple) -> dict | None:
    """The container (a dict of names, or an M/L value) holding the last part of ``parts``."""
    if len(parts) == 1:
        return item
    parent = get_path(item, parts[:-1])
    if parent is None:
        raise ValidationException(INVALID_PATH)
    key = "L" if isinstance(parts[-1], int) else "M"
    if key not in parent:
        raise ValidationException(INVALID_PATH)
    return parent[key]


def _assign(item: dict, parts: tuple, value: dict) -> tuple:
    """Store ``value`` at ``parts``; returns the path it landed at (appends move the index)."""
    container = _parent(item, parts)
    last = parts[-1]
    if isinstance(last, int):
        if last < len(container):
            container[last] = value
            return parts
        container.append(value)
        return parts[:-1] + (len(container) - 1,)
    container[last] = value
    return parts


def _set_key(member: str, tag: str):
    return numbers.to_decimal(member) if tag == "NS" else decode_binary(member) if tag == "BS" else member


def _add(current: dict, value: dict) -> dict:
    tag, vtag = type_of(current), type_of(value)
    if tag != vtag:
        raise ValidationException(WRONG_TYPE)
    if tag == "N":
        return {"N": numbers.add(current["N"], value["N"])}
    have = {_set_key(m, tag) for m in current[tag]}
    return {tag: current[tag] + [m for m in value[tag] if _set_key(m, tag) not in have]}


def _delete(current: dict, value: dict) -> dict | None:
    tag = type_of(current)
    if tag != type_of(value):
        raise ValidationException(WRONG_TYPE)
    drop = {_set_key(m, tag) for m in value[tag]}
    kept = [m for m in current[tag] if _set_key(m, tag) not in drop]
    return {tag: kept} if kept else None


def _remove_from_maps(targets: Iterable[tuple]) -> dict[int, tuple[list, set]]:
    """Delete map (container, key) targets now; group list targets by list (``id`` -> (list, indexes))."""
    by_list: dict[int, tuple[list, set]] = {}
    for container, key in targets:
        if isinstance(container, list):
            by_list.setdefault(id(container), (container, set()))[1].add(key)
        else:
            container.pop(key, None)
    return by_list


def _after_removals(item: dict, parts: tuple, removed: dict[int, tuple[list, set]]) -> tuple:
    """Where ``parts`` (a path valid before the removals) points once they are done."""
    out = [parts[0]]
    av = item[parts[0]]
    for part in parts[1:]:
        if isinstance(part, int):
            elements = av["L"]
            gone = removed[id(elements)][1] if id(elements) in removed else ()
            out.append(part - sum(1 for index in gone if index < part))
            av = elements[part]
        else:
            out.append(part)
            av = av["M"][part]
    return tuple(out)


def apply_actions(item: dict, actions: tuple, binder: Binder, key_names: Iterable[str] = ()) -> tuple[dict, dict, dict]:
    """``(new_item, updated_old, updated_new)`` for parsed ``actions``; ``item`` is not modified.

    ``updated_old`` / ``updated_new`` project the touched paths from the old
    and the new item: the answers to ReturnValues UPDATED_OLD / UPDATED_NEW.
    """
    resolved = [(action, binder.path(action.path)) for action in actions]
    check_overlaps([parts for _, parts in resolved], binder.kind)
    keys = set(key_names)
    for _, parts in resolved:
        if parts[0] in keys:
            raise ValidationException(
                f"One or more parameter values were invalid: Cannot update attribute {parts[0]}. "
                "This attribute is part of the key"
            )
    computed = []
    for action, parts in resolved:
        if action.clause == "SET":
            computed.append((action.clause, parts, compile_value(action.value, binder)(item)))
        elif action.clause == "ADD":
            computed.append((action.clause, parts, check_action_value(binder, action, ("N",) + SET_TYPES)))
        elif action.clause == "DELETE":
            computed.append((action.clause, parts, check_action_value(binder, action, SET_TYPES)))
        else:
            computed.append((action.clause, parts, None))

    new = {name: copy_value(av) for name, av in item.items()}
    old_paths, new_paths, removals = [], [], []
    # Appends to one list happen in index order, whatever the written order.
    ordered = sorted(computed, key=lambda c: c[1][-1] if isinstance(c[1][-1], int) else -1)
    for clause, parts, value in ordered:
        existing = get_path(item, parts)
        if existing is not None:
            old_paths.append(parts)
        if clause == "REMOVE":
            container = _parent(new, parts)
            if existing is not None:
                removals.append((container, parts[-1]))
            continue
        current = get_path(new, parts)
        if clause == "SET":
            new_paths.append(_assign(new, parts, copy_value(value)))
        elif clause == "ADD":
            new_paths.append(_assign(new, parts, value if current is None else _add(current, value)))
        elif current is None:
            _parent(new, parts)  # DELETE of a missing attribute: a no-op if its parent is valid
        else:
            remaining = _delete(current, value)
            if remaining is None:
                removals.append((_parent(new, parts), parts[-1]))
            else:
                new_paths.append(_assign(new, parts, remaining))
    lists = _remove_from_maps(removals)
    if lists:
        # Indexes of touched paths shift down past removed elements; map them before removing.
        new_paths = [_after_removals(new, parts, lists) for parts in new_paths]
        for elements, indexes in lists.values():
            for index in sorted(indexes, reverse=True):
                del elements[index]
    return new, project(item, old_paths), project(new, new_paths)
