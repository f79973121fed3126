"""Load a stack file: find it, parse it with positions, resolve references, validate, check files.

``load_stack`` either returns a fully valid ``Stack`` or raises ``SpecError``
holding every problem found (each a ``SpecProblem`` with file:line:column),
sorted by position. Fatal YAML problems (syntax, empty file, top level not a
mapping) stop at the first one; everything else is collected. References
(``${stage}``, ``${env:VAR}``, ...) are resolved between parsing and
validation, so their problems have positions too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from overcast.errors import SpecError
from overcast.spec.explain import explain
from overcast.spec.imports import StackImport
from overcast.spec.models import StackSpec, duplicate_message, find_duplicate_routes
from overcast.spec.problems import SpecProblem, format_path
from overcast.spec.references import resolve_references
from overcast.spec.rules import STAGE_NAME, handler_parts, module_files
from overcast.spec.thinggroups import duplicate_thing_message, find_duplicate_things
from overcast.spec.yamlsource import Located, read_yaml

FILE_NAMES = ("overcast.yml", "overcast.yaml")


@dataclass(frozen=True)
class Stack:
    """A validated stack: its spec, its file and its root (the file's directory), both absolute.

    ``stage`` is the stage its references were resolved for; ``imports`` are
    the other stacks' outputs it reads (``${stack:STACK.OUTPUT}``), in file order.
    """

    spec: StackSpec
    file: Path
    root: Path
    stage: str = "dev"
    imports: tuple[StackImport, ...] = ()


def find_stack_file(path: str | os.PathLike) -> Path:
    """``path`` itself if it is a file, else ``overcast.yml`` / ``overcast.yaml`` inside it."""
    path = Path(path)
    if path.is_file():
        return path
    if path.is_dir():
        for name in FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise SpecError([SpecProblem(str(path), 0, 0, "(top level)", f"no {' or '.join(FILE_NAMES)} in this directory")])
    raise SpecError([SpecProblem(str(path), 0, 0, "(top level)", "no such file or directory")])


def load_stack(path: str | os.PathLike, *, stage: str = "dev", env: Mapping[str, str] | None = None) -> Stack:
    """Load and validate the stack file at ``path`` (a stack directory or the file) for ``stage``.

    ``env`` is what ``${env:VAR}`` reads (default: ``os.environ``).

    Problems name the file as found from ``path`` (not resolved), so they read
    the way the user typed it.
    """
    file = find_stack_file(path)
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError([SpecProblem(str(file), line, 1, "(yaml)", "the stack file is not valid UTF-8 text")]) from None
    return load_stack_text(text, file=str(file), root=file.resolve().parent, stage=stage, env=env)


def load_stack_text(
    text: str,
    *,
    file: str = "overcast.yml",
    root: str | os.PathLike | None = None,
    stage: str = "dev",
    env: Mapping[str, str] | None = None,
) -> Stack:
    """Validate stack-file text. ``file`` is the name used in problems.

    With ``root`` (the stack directory) handler modules must exist under it;
    without, that check is skipped and ``Stack.root`` is ``file``'s directory
    (``${file(...)}`` paths are relative to that root either way).
    """
    check_stage(stage, file)
    located = read_yaml(text, file)
    base = (Path(root) if root is not None else Path(file).parent).resolve()
    resolution = resolve_references(
        located, file=file, stage=stage, env=os.environ if env is None else env, base=base
    )
    located.data = resolution.data
    located.reported |= resolution.failed
    problems = list(located.problems) + resolution.problems
    spec = None
    try:
        spec = StackSpec.model_validate(located.data)
    except ValidationError as exc:
        problems.extend(explain(exc, located, file))
    problems.extend(_duplicate_routes(located, file))
    problems.extend(_duplicate_things(located, file))
    if root is not None:
        problems.extend(_missing_modules(located, file, Path(root)))
    if problems or spec is None:
        problems.sort(key=lambda p: (p.line, p.column))
        raise SpecError(problems)
    return Stack(spec=spec, file=Path(file).resolve(), root=base, stage=stage, imports=resolution.imports)


def check_stage(stage: str, file: str) -> None:
    """Stage names: a lowercase letter, then lowercase letters, digits or '-' (at most 32)."""
    if not isinstance(stage, str) or not STAGE_NAME.match(stage):
        raise SpecError([SpecProblem(
            file, 0, 0, "(stage)",
            "stage name must start with a lowercase letter and hold only lowercase letters, digits and '-' "
            f"(at most 32 characters), got {stage!r}",
        )])


def _functions(located: Located) -> dict[str, dict]:
    data = located.data if isinstance(located.data, dict) else {}
    functions = data.get("functions")
    if not isinstance(functions, dict):
        return {}
    return {name: fn for name, fn in functions.items() if isinstance(fn, dict)}


def _problem(located: Located, file: str, path: tuple, message: str) -> SpecProblem:
    line, column = located.position(path)
    return SpecProblem(file, line, column, format_path(path), message)


def _duplicate_routes(located: Located, file: str) -> list[SpecProblem]:
    routes = {name: fn.get("routes") for name, fn in _functions(located).items()}
    return [
        _problem(located, file, ("functions", dup.again[0], "routes", dup.again[1]), duplicate_message(dup))
        for dup in find_duplicate_routes(routes)
    ]


def _duplicate_things(located: Located, file: str) -> list[SpecProblem]:
    data = located.data if isinstance(located.data, dict) else {}
    return [_problem(located, file, dup.again, duplicate_thing_message(dup))
            for dup in find_duplicate_things(data.get("things"), data.get("thingGroups"))]


def _missing_modules(located: Located, file: str, root: Path) -> list[SpecProblem]:
    problems = []
    for name, fn in _functions(located).items():
        handler = fn.get("handler")
        parts = handler_parts(handler) if isinstance(handler, str) else None
        if parts is None:
            continue
        candidates = module_files(parts[0])
        if not any((root / c).is_file() for c in candidates):
            problems.append(_problem(
                located, file, ("functions", name, "handler"),
                f"handler module '{parts[0]}' not found: expected {candidates[0]} or {candidates[1]} "
                f"in the stack directory {root}",
            ))
    return problems
