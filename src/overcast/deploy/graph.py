"""Stack dependency order (pure): a stack deploys after the stacks it imports from.

Input is stack name -> names of the stacks it imports (``Stack.imports``).
Only edges between the given stacks count: an import of a stack outside the
mapping is external, already deployed. Ties are broken by name so the same
stacks always deploy in the same order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from overcast.errors import OvercastError


class CycleError(OvercastError):
    """Stacks import from each other in a loop.

    ``cycle`` is that loop starting at its smallest name, which is repeated
    last; each stack imports from the next (``stack cycle: a -> b -> a``).
    """

    code = "deploy.cycle"
    http_status = 400

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = list(cycle)
        super().__init__(f"stack cycle: {' -> '.join(self.cycle)}", cycle=self.cycle)


def _edges(stacks: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    return {name: {dep for dep in deps if dep in stacks} for name, deps in stacks.items()}


def deploy_order(stacks: Mapping[str, Iterable[str]]) -> list[str]:
    """Every stack of ``stacks``, each after the stacks it imports from (the smallest name first on ties).

    Raises ``CycleError`` naming one loop when there is no such order.
    """
    needs = _edges(stacks)
    waiting = {name: len(deps) for name, deps in needs.items()}
    users: dict[str, list[str]] = {name: [] for name in needs}
    for name, deps in needs.items():
        for dep in deps:
            users[dep].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for user in users[name]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, user)
    if len(order) < len(needs):
        raise CycleError(_find_cycle({n: d for n, d in needs.items() if waiting[n] > 0}))
    return order


def _find_cycle(left: dict[str, set[str]]) -> list[str]:
    """A loop among stacks that each still wait for another of ``left`` (so a walk never stops)."""
    path: list[str] = []
    seen: dict[str, int] = {}
    name = min(left)
    while name not in seen:
        seen[name] = len(path)
        path.append(name)
        name = min(dep for dep in left[name] if dep in left)
    loop = path[seen[name]:]
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return loop + [loop[0]]


def importers_of(name: str, imports_by_stack: Mapping[str, Iterable[str]]) -> list[str]:
    """The other stacks that import from ``name``, sorted."""
    return sorted(other for other, deps in imports_by_stack.items() if other != name and name in set(deps))
