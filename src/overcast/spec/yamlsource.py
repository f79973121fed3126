"""YAML text to plain Python data, remembering where every value was written.

PyYAML's ``compose`` gives a node tree with marks; we build the data from it
ourselves so that each mapping entry and list item keeps its 1-based
``(line, column)``, keyed by its data path (a tuple of keys and indices).
Mapping entries are located at their key, list items at the item.

Things PyYAML would accept silently but a stack file must not contain are
reported as problems: duplicate keys (PyYAML keeps the last one), non-string
keys, merge keys and unknown tags. Syntax errors, an empty document and a
top level that is not a mapping are fatal and raise ``SpecError`` at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from overcast.errors import SpecError
from overcast.spec.problems import SpecProblem, format_path

DataPath = tuple[str | int, ...]
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_MAX_NODES = 100_000  # guards against alias bombs ("billion laughs")


class YamlInt(int):
    """An int that remembers how it was written (``0x10``, ``1_000``)."""

    yaml_text: str


class YamlFloat(float):
    """A float that remembers how it was written (``1.50``, ``1e3``)."""

    yaml_text: str


def source_text(value: object) -> str | None:
    """The YAML text a number was written as, when it came from a stack file."""
    return getattr(value, "yaml_text", None)


@dataclass
class Located:
    """Plain data plus where each path was written, and non-fatal problems."""

    data: object
    positions: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    # strings that may hold references ("${"): where the value starts and its source text
    sources: dict[DataPath, tuple[int, int, str]] = field(default_factory=dict)
    problems: list[SpecProblem] = field(default_factory=list)
    # values already reported (unsupported tag); validation errors under them are noise
    reported: set[DataPath] = field(default_factory=set)

    def already_reported(self, path: DataPath) -> bool:
        return any(path[: len(p)] == p for p in self.reported)

    def position(self, path: DataPath) -> tuple[int, int]:
        """Position of ``path``, or of its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found:
                return found
        return (1, 1)

    def value_position(self, path: DataPath, value: str = "", part: str = "", offset: int = 0) -> tuple[int, int]:
        """Where ``part`` (found at ``offset`` of the string ``value`` at ``path``) is written.

        Falls back to the string's start when ``part`` is not written as-is in
        the source (escapes in a double-quoted string), and to ``position``
        for strings without a recorded source.
        """
        source = self.sources.get(path)
        if source is None:
            return self.position(path)
        line, column, raw = source
        if not part:
            return line, column
        at = -1
        for _ in range(value[:offset].count(part) + 1):
            at = raw.find(part, at + 1)
            if at < 0:
                return line, column
        newlines = raw.count("\n", 0, at)
        if newlines == 0:
            return line, column + at
        return line + newlines, at - raw.rfind("\n", 0, at)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _fatal(file: str, line: int, column: int, message: str, path: str = "(yaml)") -> SpecError:
    return SpecError([SpecProblem(file, line, column, path, message)])


def _syntax_error(file: str, text: str, exc: yaml.YAMLError) -> SpecError:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        line, column = exc.problem_mark.line + 1, exc.problem_mark.column + 1
        message = f"YAML syntax error: {exc.problem}"
        if exc.context and exc.context_mark is not None:
            cm = exc.context_mark
            message += f" ({exc.context}, line {cm.line + 1}, column {cm.column + 1})"
        at = exc.problem_mark.index
        if text[at : at + 1] == "{" and text[at - 1 : at] == "$" and exc.context and "flow" in exc.context:
            message += "; quote a string holding '${...}' inside [...] or {...}, e.g. [\"telemetry/${thing}/#\"]"
        return _fatal(file, line, column, message)
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        return _fatal(file, line, column, f"YAML syntax error: character {exc.character!r} is not allowed")
    return _fatal(file, 1, 1, f"YAML syntax error: {exc}")


class _Builder:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.out = Located(None)
        self.constructor = SafeConstructor()
        self.active: set[int] = set()
        self.count = 0

    def problem(self, at: tuple[int, int], path: DataPath, message: str) -> None:
        self.out.problems.append(SpecProblem(self.file, at[0], at[1], format_path(path), message))

    def build(self, node: yaml.Node, path: DataPath) -> object:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _fatal(self.file, *_mark(node), f"document expands to more than {_MAX_NODES} values (YAML aliases?)")
        if id(node) in self.active:
            raise _fatal(self.file, *_mark(node), "recursive YAML alias: a value contains itself")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _SEQ:
                    self.problem(_mark(node), path, f"YAML tag {node.tag} is not supported in stack files")
                items = []
                for index, item in enumerate(node.value):
                    self.out.positions[path + (index,)] = _mark(item)
                    items.append(self.build(item, path + (index,)))
                return items
            if node.tag != _MAP:
                self.problem(_mark(node), path, f"YAML tag {node.tag} is not supported in stack files")
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: DataPath) -> dict:
        result: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            at = _mark(key_node)
            if key_node.tag == _MERGE:
                self.problem(at, path, "merge keys ('<<') are not supported in stack files; write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                self.problem(at, path + (str(shown),), f"key {shown} is not a string; keys must be text (quote it)")
                continue
            key = key_node.value
            if key in result:
                self.problem(
                    at, path + (key,),
                    f"duplicate key '{key}' (first written at line {first_line[key]}); "
                    "a key may appear only once in a mapping",
                )
                continue
            first_line[key] = at[0]
            self.out.positions[path + (key,)] = at
            result[key] = self.build(value_node, path + (key,))
        return result

    def scalar(self, node: yaml.ScalarNode, path: DataPath) -> object:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError:
            self.problem(_mark(node), path, f"YAML tag {node.tag} is not supported in stack files")
            self.out.reported.add(path)
            return node.value
        if isinstance(value, str) and "${" in value:
            start, end = node.start_mark, node.end_mark
            self.out.sources[path] = (*_mark(node), self.text[start.index : end.index])
        elif isinstance(value, int) and not isinstance(value, bool):
            value = YamlInt(value)
            value.yaml_text = node.value
        elif isinstance(value, float):
            value = YamlFloat(value)
            value.yaml_text = node.value
        return value


def read_yaml(text: str, file: str) -> Located:
    """Parse one YAML document whose top level must be a mapping.

    Raises ``SpecError`` for what makes the document unusable; returns the
    data with positions and the problems found while building it.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _syntax_error(file, text, exc) from None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == "tag:yaml.org,2002:null"):
        raise _fatal(file, 1, 1, "the stack file is empty; it needs at least 'stack' and 'functions'", "(top level)")
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        raise _fatal(
            file, *_mark(root),
            f"the top level must be a mapping (stack: ..., functions: ...), got {kind}", "(top level)",
        )
    builder = _Builder(file, text)
    builder.out.positions[()] = _mark(root)
    builder.out.data = builder.build(root, ())
    return builder.out
