"""Route selection of an HTTP API (pure, on every request's hot path).

Precedence follows API Gateway: the most specific route wins. Paths are
compared segment by segment from the left — a literal beats ``{param}``, which
beats ``{greedy+}``; between routes of the same path shape, the exact method
beats ``ANY``; ``$default`` answers only when nothing else matches. Path
specificity is decided before the method: ``ANY /items/1`` wins over
``GET /items/{id}`` for ``GET /items/1``.

Matching is done on percent-decoded segments: the raw path is split on ``/``
first, then each segment is decoded (so ``%2F`` never creates a segment).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from overcast.spec.routes import RouteKey, parse_route_key

__all__ = ["Match", "RouteTable"]

_ANY = "ANY"


@dataclass(slots=True)
class Match:
    target: object
    route_key: str
    path_parameters: dict[str, str] | None


class _Route:
    __slots__ = ("target", "key", "names")

    def __init__(self, target: object, key: str, names: tuple[str, ...]) -> None:
        self.target = target
        self.key = key
        self.names = names  # parameter names in path order (greedy last)


class _Node:
    __slots__ = ("literals", "param", "leaf", "greedy")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.leaf: dict[str, _Route] = {}  # method -> route ending at this node
        self.greedy: dict[str, _Route] = {}  # method -> route with {x+} after this node


def _pick(by_method: dict[str, _Route], method: str) -> _Route | None:
    route = by_method.get(method)
    if route is None:
        route = by_method.get(_ANY)
    return route


class RouteTable:
    """Routes of one API, precomputed for matching.

    ``entries`` are ``(RouteKey | str, target)`` pairs; the target is opaque.
    Raise ValueError on a duplicate route key, and on two routes that differ
    only in parameter names (``GET /a/{x}`` and ``GET /a/{y}``), since no
    request could tell them apart.
    """

    __slots__ = ("_routes", "_static", "_root", "_default")

    def __init__(self, entries: Iterable[tuple[RouteKey | str, object]]) -> None:
        self._routes: list[str] = []
        self._static: dict[str, dict[str, _Route]] = {}
        self._root = _Node()
        self._default: _Route | None = None
        shapes: dict[tuple, str] = {}
        seen: set[str] = set()
        for route_key, target in entries:
            if isinstance(route_key, str):
                route_key = parse_route_key(route_key)
            key = route_key.key
            if key in seen:
                raise ValueError(f"duplicate route key {key!r}")
            seen.add(key)
            self._routes.append(key)
            if route_key.is_default:
                self._default = _Route(target, key, ())
                continue
            self._add(route_key, target, shapes)

    def _add(self, route_key: RouteKey, target: object, shapes: dict[tuple, str]) -> None:
        method, key = route_key.method, route_key.key
        node = self._root
        names: list[str] = []
        shape: list[str] = [method]
        greedy = False
        for seg in route_key.segments:
            if seg.kind == "literal":
                text = unquote(seg.value)
                shape.append("L" + text)
                node = node.literals.setdefault(text, _Node())
            elif seg.kind == "param":
                names.append(seg.value)
                shape.append("{}")
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:  # greedy: always the last segment
                names.append(seg.value)
                shape.append("{+}")
                greedy = True
        other = shapes.setdefault(tuple(shape), key)
        if other != key:
            raise ValueError(f"route keys {other!r} and {key!r} match the same requests")
        route = _Route(target, key, tuple(names))
        (node.greedy if greedy else node.leaf)[method] = route
        if not names and "%" not in key:  # the fast path compares undecoded paths
            literal_path = "/" + "/".join(s.value for s in route_key.segments)
            self._static.setdefault(literal_path, {})[method] = route

    @property
    def routes(self) -> tuple[str, ...]:
        """The route keys, in the order given."""
        return tuple(self._routes)

    def match(self, method: str, raw_path: str) -> Match | None:
        """Select the route for a request, or None when no route (not even $default) matches."""
        if "%" not in raw_path:
            by_method = self._static.get(raw_path)
            if by_method is not None:
                route = _pick(by_method, method)
                if route is not None:
                    return Match(route.target, route.key, None)
            segments = raw_path[1:].split("/") if raw_path.startswith("/") else None
        elif raw_path.startswith("/"):
            segments = [unquote(s) for s in raw_path[1:].split("/")]
        else:
            segments = None
        if segments is not None:
            if segments == [""]:  # the root "/"
                segments = []
            found = self._walk(self._root, segments, 0, method, [])
            if found is not None:
                route, values = found
                return Match(route.target, route.key, dict(zip(route.names, values)) or None)
        if self._default is not None:
            return Match(self._default.target, self._default.key, None)
        return None

    def _walk(
        self, node: _Node, segments: list[str], i: int, method: str, values: list[str]
    ) -> tuple[_Route, list[str]] | None:
        # Depth first, most specific child first: the first hit is the winner.
        if i == len(segments):
            route = _pick(node.leaf, method) if node.leaf else None
            return (route, values) if route is not None else None
        segment = segments[i]
        child = node.literals.get(segment)
        if child is not None:
            found = self._walk(child, segments, i + 1, method, values)
            if found is not None:
                return found
        if node.param is not None and segment:
            values.append(segment)
            found = self._walk(node.param, segments, i + 1, method, values)
            if found is not None:
                return found
            values.pop()
        if node.greedy:
            rest = "/".join(segments[i:])
            if rest:  # a greedy parameter needs at least one segment, like AWS
                route = _pick(node.greedy, method)
                if route is not None:
                    values.append(rest)
                    return route, values
        return None
