"""Stack imports (``${stack:STACK.OUTPUT}``): what the loader records, and filling them in.

Another stack's outputs live on the platform, so the loader leaves imports
in place. In environment and output values, a string whose text holds
``${stack:`` is a *template*: imports as written, every other literal
``${`` escaped as ``$${``. ``substitute_imports`` turns templates into plain
text once the platform knows the imported values; every other string is
plain text already.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from overcast.spec.models import StackSpec
from overcast.spec.problems import format_path
from overcast.spec.refsyntax import Ref, ReferenceSyntaxError, StackRef, escape, parse_reference, split_template

TEMPLATE_MARK = "${stack:"
WHERE_ALLOWED = "function environment values (functions.NAME.environment.VAR) and outputs (outputs.NAME)"


@dataclass(frozen=True, slots=True)
class StackImport:
    """One ``${stack:STACK.OUTPUT}`` of a stack file, and where it was written (1-based line/column)."""

    stack: str
    output: str
    path: tuple[str | int, ...]
    line: int
    column: int

    @property
    def reference(self) -> str:
        return f"${{stack:{self.stack}.{self.output}}}"


def imports_allowed(path: tuple[str | int, ...]) -> bool:
    """Imports may be written only in ``functions.F.environment.VAR`` and ``outputs.NAME``."""
    if len(path) == 4 and path[0] == "functions" and path[2] == "environment":
        return True
    return len(path) == 2 and path[0] == "outputs"


def render(pieces: tuple[str | StackRef, ...], allowed: bool) -> str:
    """Resolved pieces as the string kept in the spec: plain text, or a template where imports are allowed."""
    if any(isinstance(p, StackRef) for p in pieces):
        return "".join(str(p) if isinstance(p, StackRef) else escape(p) for p in pieces)
    text = "".join(pieces)  # type: ignore[arg-type]
    return escape(text) if allowed and TEMPLATE_MARK in text else text


def _templates(spec: StackSpec) -> Iterator[tuple[tuple[str, ...], str]]:
    for name, fn in spec.functions.items():
        for var, value in fn.environment.items():
            if TEMPLATE_MARK in value:
                yield ("functions", name, "environment", var), value
    for name, value in spec.outputs.items():
        if TEMPLATE_MARK in value:
            yield ("outputs", name), value


def _import(path: tuple[str, ...], ref: Ref) -> StackRef:
    try:
        what = parse_reference(ref)
    except ReferenceSyntaxError as exc:
        raise ValueError(f"{format_path(path)}: {exc.message}") from None
    if not isinstance(what, StackRef):
        raise ValueError(
            f"{format_path(path)}: {ref.text} is not a stack import; load the stack file with "
            "load_stack to resolve its other references"
        )
    return what


def imports_in(spec: StackSpec) -> list[tuple[str, str]]:
    """Every ``(stack, output)`` the spec imports, sorted, each once."""
    found = set()
    for path, template in _templates(spec):
        for part in split_template(template):
            if isinstance(part, Ref):
                what = _import(path, part)
                found.add((what.stack, what.output))
    return sorted(found)


def substitute_imports(spec: StackSpec, values: Mapping[tuple[str, str], str]) -> StackSpec:
    """A new spec with every ``${stack:X.Y}`` replaced by ``values[(X, Y)]``.

    Raises ``ValueError`` naming every import that has no value, and (as
    pydantic's ``ValidationError``, a ``ValueError`` too) when the filled-in
    spec breaks a rule, e.g. an environment grown past its size limit.
    """
    filled: dict[tuple[str, ...], str] = {}
    missing: dict[str, list[str]] = {}
    for path, template in _templates(spec):
        out = []
        for part in split_template(template):
            if isinstance(part, str):
                out.append(part)
                continue
            what = _import(path, part)
            value = values.get((what.stack, what.output))
            if value is None:
                missing.setdefault(str(what), []).append(format_path(path))
            else:
                out.append(value)
        filled[path] = "".join(out)
    if missing:
        named = "; ".join(f"{ref} (used by {', '.join(paths)})" for ref, paths in sorted(missing.items()))
        raise ValueError(f"no value for stack import {named}")
    if not filled:
        return spec
    data = spec.model_dump()
    for path, text in filled.items():
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = text
    return StackSpec.model_validate(data)
