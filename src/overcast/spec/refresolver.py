"""The engine behind ``references.resolve_references`` (contract there).

``Resolver`` resolves each string once (memoised), follows ``${self:...}``
(refusing loops), records stack imports and places each problem at its
reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from overcast.spec.explain import type_at
from overcast.spec.imports import WHERE_ALLOWED, StackImport, imports_allowed, render
from overcast.spec.problems import SpecProblem, format_path
from overcast.spec.refsyntax import (
    EnvRef,
    FileRef,
    Ref,
    ReferenceSyntaxError,
    SelfRef,
    StackRef,
    StageRef,
    parse_reference,
    split_template,
)
from overcast.spec.refvalues import DataPath, ValueProblem, load_data_file, lookup, single, text_of
from overcast.spec.things import THING_SECTIONS, thing_variable
from overcast.spec.yamlsource import Located

Pieces = tuple[str | StackRef, ...]


class _Problem(Exception):
    def __init__(self, message: str, ref: Ref | None) -> None:
        self.message, self.ref = message, ref


class _Failed(Exception):
    """A value this one refers to is wrong; it is reported where it was written."""


class _Cycle(Exception):
    def __init__(self, paths: list[DataPath]) -> None:
        self.paths = paths
        self.refs: dict[DataPath, Ref] = {}


class Resolver:
    def __init__(self, located: Located, file: str, stage: str, env: Mapping[str, str], base: Path) -> None:
        self.located, self.file, self.stage, self.env, self.base = located, file, stage, env, base
        self.memo: dict[DataPath, object] = {}
        self.texts: dict[DataPath, str] = {}
        self.found: dict[DataPath, list[tuple[StackRef, Ref]]] = {}
        self.active: list[DataPath] = []
        self.failed: set[DataPath] = set()
        self.problems: list[SpecProblem] = []
        self.imports: list[StackImport] = []
        self.files: dict[str, dict | ValueProblem] = {}

    def walk(self, value: object, path: DataPath) -> object:
        if isinstance(value, dict):
            return {key: self.walk(item, path + (key,)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item, path + (index,)) for index, item in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        try:
            result = self.resolved(path, value)
        except _Failed:
            return value
        for what, ref in self.found.get(path, ()):
            self.imports.append(StackImport(what.stack, what.output, path, *self.where(path, ref)))
        return render(result, imports_allowed(path)) if isinstance(result, tuple) else result

    def resolved(self, path: DataPath, text: str) -> object:
        """The value of the string at ``path``: ``Pieces`` for text, or a typed scalar."""
        if path in self.memo:
            return self.memo[path]
        if path in self.failed:
            raise _Failed
        if path in self.active:
            raise _Cycle(self.active[self.active.index(path):] + [path])
        self.active.append(path)
        self.texts[path] = text
        try:
            value = self._resolve(path, text)
        except _Problem as problem:
            self.report(path, problem.message, problem.ref)
            raise _Failed from None
        except _Failed:
            self.failed.add(path)
            raise
        except _Cycle as cycle:
            self.failed.add(path)
            if cycle.paths[0] != path:
                raise
            loop = " -> ".join(format_path(p) for p in cycle.paths)
            self.report(path, f"{cycle.refs[path].text}: references form a loop: {loop}", cycle.refs[path])
            raise _Failed from None
        finally:
            self.active.pop()
        self.memo[path] = value
        return value

    def report(self, path: DataPath, message: str, ref: Ref | None) -> None:
        self.failed.add(path)
        self.problems.append(SpecProblem(self.file, *self.where(path, ref), format_path(path), message))

    def where(self, path: DataPath, ref: Ref | None) -> tuple[int, int]:
        if ref is None:
            return self.located.value_position(path)
        return self.located.value_position(path, self.texts[path], ref.text, ref.offset)

    def _resolve(self, path: DataPath, text: str) -> object:
        try:
            parts = split_template(text)
        except ReferenceSyntaxError as exc:
            raise _Problem(exc.message, Ref(text[exc.offset:], exc.offset)) from None
        whole = len(parts) == 1 and isinstance(parts[0], Ref)
        pieces: list[str | StackRef] = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            if path[:1] == ("rules",) and _rule_template(part):
                pieces.append(part.text)  # an AWS IoT substitution template, e.g. ${topic(2)}: the rule engine's
                continue
            if path[:1] in THING_SECTIONS and self._thing_variable(path, part):
                pieces.append(part.text)  # ${thing}: each thing's own name, substituted by overcast.spec.things
                continue
            try:
                value = self._value(part)
            except _Cycle as cycle:
                cycle.refs.setdefault(path, part)
                raise
            if not isinstance(value, tuple):
                if whole and type_at(path) is not str:
                    return value
                value = (self._text_of(value, part),)
            imported = [p for p in value if isinstance(p, StackRef)]
            if imported and not imports_allowed(path):
                direct = part.body.lstrip().startswith("stack:")
                held = "is a stack import" if direct else f"holds the stack import {imported[0]}"
                raise _Problem(f"{part.text} {held}; imports are only allowed in {WHERE_ALLOWED}", part)
            self.found.setdefault(path, []).extend((what, part) for what in imported)
            pieces.extend(value)
        return tuple(pieces)

    def _thing_variable(self, path: DataPath, ref: Ref) -> bool:
        try:
            return thing_variable(path, ref.text, ref.body)
        except ValueError as exc:
            raise _Problem(str(exc), ref) from None

    def _text_of(self, value: object, ref: Ref) -> str:
        try:
            return text_of(value, ref.text)
        except ValueProblem as exc:
            raise _Problem(exc.message, ref) from None

    def _value(self, ref: Ref) -> object:
        """``Pieces`` for text, or the scalar a reference points at."""
        try:
            what = parse_reference(ref)
        except ReferenceSyntaxError as exc:
            raise _Problem(exc.message, ref) from None
        try:
            if isinstance(what, StageRef):
                return (self.stage,)
            if isinstance(what, EnvRef):
                value = self.env.get(what.var, what.default)
                if value is None:
                    raise ValueProblem(
                        f"environment variable {what.var} is not set; set it, or give a default: "
                        f"${{env:{what.var}, 'value'}}"
                    )
                return (value,)
            if isinstance(what, SelfRef):
                target, value = lookup(self.located.data, what.keys, "the stack file")
                value = single(value, ref.text)
                if isinstance(value, str):
                    return self.resolved(target, value) if "${" in value else (value,)
                return value
            if isinstance(what, FileRef):
                _, value = lookup(self._document(what.file), what.keys, f"file {what.file}")
                value = single(value, ref.text)
                return (value,) if isinstance(value, str) else value
            return (what,)
        except ValueProblem as exc:
            message = exc.message if exc.message.startswith(ref.text) else f"{ref.text}: {exc.message}"
            raise _Problem(message, ref) from None

    def _document(self, name: str) -> dict:
        if name not in self.files:
            try:
                self.files[name] = load_data_file(self.base, name)
            except ValueProblem as exc:
                self.files[name] = exc
        found = self.files[name]
        if isinstance(found, ValueProblem):
            raise found
        return found


def _rule_template(ref: Ref) -> bool:
    """Under ``rules:``, ``${...}`` that is not one of the stack file's own reference kinds is an AWS IoT
    substitution template (``${topic(2)}``, ``${newuuid()}``, ``${temp}``), left for the rule engine."""
    try:
        parse_reference(ref)
    except ReferenceSyntaxError as exc:
        return exc.message.startswith("unknown reference kind")
    return False
