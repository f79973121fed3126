"""ProjectionExpression: keep only the requested document paths of an item.

As DynamoDB does, nested structure is kept: ``a.b`` gives ``{"a": {"M": {"b": ...}}}``
and ``l[1], l[3]`` gives ``{"l": {"L": [l1, l3]}}`` (requested elements that
exist, in list order). Paths that do not exist are left out, and so is a map
or list none of whose requested parts exist.
"""

from __future__ import annotations

from collections.abc import Iterable

# A trie of requested paths: part -> sub-trie, or WHOLE when the whole value is requested.
WHOLE = None


def _trie(paths: Iterable[tuple]) -> dict:
    root: dict = {}
    for parts in paths:
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if child is WHOLE and part in node:
                break  # an ancestor is already requested whole (overlap; checked elsewhere)
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = WHOLE
    return root


def _pick(av: dict, trie: dict) -> dict | None:
    members = av.get("M")
    if members is not None:
        out = {}
        for key, sub in trie.items():
            if isinstance(key, str) and key in members:
                picked = members[key] if sub is WHOLE else _pick(members[key], sub)
                if picked is not None:
                    out[key] = picked
        return {"M": out} if out else None
    elements = av.get("L")
    if elements is not None:
        picked_list = []
        for index in sorted(k for k in trie if isinstance(k, int)):
            if index < len(elements):
                sub = trie[index]
                picked = elements[index] if sub is WHOLE else _pick(elements[index], sub)
                if picked is not None:
                    picked_list.append(picked)
        return {"L": picked_list} if picked_list else None
    return None


def project(item: dict, paths: Iterable[tuple]) -> dict:
    """The parts of ``item`` at the resolved ``paths`` (tuples of names and indexes).

    The values are shared with ``item``, not copied.
    """
    out: dict = {}
    for name, sub in _trie(paths).items():
        av = item.get(name)
        if av is None:
            continue
        picked = av if sub is WHOLE else _pick(av, sub)
        if picked is not None:
            out[name] = picked
    return out
