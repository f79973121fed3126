"""Route keys of an HTTP API: ``$default`` or ``METHOD /path`` (pure).

Paths are made of literal segments, ``{name}`` parameters and, as the last
segment only, one greedy ``{name+}`` parameter — API Gateway's grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
DEFAULT = "$default"
_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$")
_LITERAL = re.compile(r"^[A-Za-z0-9._~!$&'()*,;=:@%-]+$")


class RouteKeyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # "literal" | "param" | "greedy"
    value: str  # literal text or parameter name


@dataclass(frozen=True, slots=True)
class RouteKey:
    key: str  # canonical text, e.g. "GET /items/{id}" or "$default"
    method: str  # "ANY" for $default
    segments: tuple[Segment, ...]

    @property
    def is_default(self) -> bool:
        return self.key == DEFAULT


def parse_route_key(text: str) -> RouteKey:
    """Parse and validate one route key; raise RouteKeyError saying what is wrong."""
    if not isinstance(text, str):
        raise RouteKeyError(f"a route key is a string like 'GET /items/{{id}}', got {type(text).__name__}")
    raw = text.strip()
    if raw == DEFAULT:
        return RouteKey(DEFAULT, "ANY", ())
    parts = raw.split()
    if len(parts) != 2:
        raise RouteKeyError(
            f"route key {text!r} must be 'METHOD /path' (e.g. 'GET /items/{{id}}') or '$default'"
        )
    method, path = parts[0].upper(), parts[1]
    if method not in METHODS:
        raise RouteKeyError(f"route key {text!r}: method {parts[0]!r} is not one of {', '.join(METHODS)}")
    if not path.startswith("/"):
        raise RouteKeyError(f"route key {text!r}: path must start with '/'")
    if path != "/" and path.endswith("/"):
        raise RouteKeyError(f"route key {text!r}: path must not end with '/'")
    segments: list[Segment] = []
    names: set[str] = set()
    pieces = [] if path == "/" else path[1:].split("/")
    for i, piece in enumerate(pieces):
        if piece == "":
            raise RouteKeyError(f"route key {text!r}: empty path segment ('//')")
        m = _PARAM.match(piece)
        if m:
            name, greedy = m.group(1), bool(m.group(2))
            if name in names:
                raise RouteKeyError(f"route key {text!r}: parameter {{{name}}} appears twice")
            names.add(name)
            if greedy and i != len(pieces) - 1:
                raise RouteKeyError(f"route key {text!r}: greedy parameter {{{name}+}} must be the last segment")
            segments.append(Segment("greedy" if greedy else "param", name))
        elif "{" in piece or "}" in piece:
            raise RouteKeyError(
                f"route key {text!r}: segment {piece!r} is not a literal nor a whole "
                "'{name}' / '{name+}' parameter"
            )
        elif not _LITERAL.match(piece):
            raise RouteKeyError(f"route key {text!r}: segment {piece!r} has characters not allowed in a path")
        else:
            segments.append(Segment("literal", piece))
    return RouteKey(f"{method} {path}", method, tuple(segments))
