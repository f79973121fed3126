"""Resolve references in a parsed stack file, before it is validated.

Every string value is resolved (syntax in ``refsyntax``). A string that is
one reference to a non-string scalar keeps that value's type (``memory:
${self:custom.memory}`` stays an int, as in the Serverless Framework),
except where the stack file takes text (environment, outputs...): there, as
in references embedded in text, numbers are written as they were in their
source and booleans as true/false. ``${self:...}`` reads the
file's own values (themselves resolved first, loops refused); values read
from environment variables and data files are taken literally. Stack imports
are recorded, not resolved (see ``imports``).

Each problem is placed at the reference inside its string (file:line:column);
a string whose reference fails keeps its text, and a string referring to a
failed one is not reported again.

Two kinds of ``${...}`` are not references and are kept as written: AWS IoT
substitution templates under ``rules:`` (``${topic(2)}``), and the thing-name
policy variable ``${thing}`` / ``${iot:Connection.Thing.ThingName}`` in the
publish and subscribe filters of ``things:`` and ``thingGroups:``.

The walking and resolving is done by ``refresolver.Resolver``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from overcast.spec.imports import StackImport
from overcast.spec.problems import SpecProblem, format_path
from overcast.spec.refresolver import Resolver
from overcast.spec.refvalues import DataPath
from overcast.spec.yamlsource import Located


@dataclass
class Resolution:
    """The data with references resolved, the imports found, problems, and paths left unresolved."""

    data: object
    imports: tuple[StackImport, ...] = ()
    problems: list[SpecProblem] = field(default_factory=list)
    failed: set[DataPath] = field(default_factory=set)


def resolve_references(
    located: Located, *, file: str, stage: str, env: Mapping[str, str], base: Path
) -> Resolution:
    """Resolve every reference of ``located.data`` (which is left unchanged)."""
    resolver = Resolver(located, file, stage, env, base)
    data = resolver.walk(located.data, ())
    imports = resolver.imports
    name = data.get("stack") if isinstance(data, dict) else None
    for found in imports:
        if found.stack == name:
            resolver.problems.append(SpecProblem(
                file, found.line, found.column, format_path(found.path),
                f"{found.reference}: a stack cannot import its own output; "
                f"write ${{self:outputs.{found.output}}} instead",
            ))
    return Resolution(data, tuple(imports), resolver.problems, resolver.failed)
