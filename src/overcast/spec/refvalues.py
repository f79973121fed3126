"""What references point at: dotted paths in data, data files, a scalar's text.

Helpers of the reference resolver; each failure raises ``ValueProblem``
whose message the resolver places at the reference.
"""

from __future__ import annotations

import difflib
import json
from datetime import date
from pathlib import Path

import yaml

from overcast.spec.problems import format_path
from overcast.spec.yamlsource import source_text

DataPath = tuple[str | int, ...]


class ValueProblem(Exception):
    """A reference points at nothing usable; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def kind_of(value: object) -> str:
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a value"


def lookup(root: object, keys: tuple[str, ...], where: str) -> tuple[DataPath, object]:
    """Follow dotted ``keys`` from ``root`` (digits index lists): ``(path found, value)``.

    ``where`` names ``root`` in messages ("the stack file", "file config.yml").
    """
    node, path = root, ()
    for key in keys:
        here = f"{format_path(path)} in {where}" if path else where
        if isinstance(node, dict):
            if key not in node:
                message = f"{here} has no key {key!r}"
                close = difflib.get_close_matches(key, [k for k in node if isinstance(k, str)], n=1, cutoff=0.6)
                raise ValueProblem(message + (f"; did you mean {close[0]!r}?" if close else ""))
            node, path = node[key], path + (key,)
        elif isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ValueProblem(f"{here} is a list of {len(node)} items; {key!r} is not one of its indexes")
            node, path = node[int(key)], path + (int(key),)
        else:
            raise ValueProblem(f"{here} is a single value, it has no key {key!r}")
    return path, node


def single(value: object, dotted: str) -> object:
    """``value`` itself if it is a scalar; a mapping or list cannot be referenced."""
    if isinstance(value, (dict, list)):
        raise ValueProblem(
            f"{dotted} is {kind_of(value)}; a reference must point at a single value (text, number, true/false)"
        )
    return value


def text_of(value: object, dotted: str) -> str:
    """A scalar as text inside a longer string: numbers as written, booleans as true/false."""
    if value is None:
        raise ValueProblem(f"{dotted} is null; only text, numbers and true/false can be used as text")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return source_text(value) or str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def load_data_file(base: Path, name: str) -> dict:
    """The top-level mapping of a YAML or JSON file (``.json`` read as JSON), ``name`` relative to ``base``."""
    full = base / name
    try:
        text = full.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueProblem(f"file {name!r} not found (looked for {full})") from None
    except UnicodeDecodeError:
        raise ValueProblem(f"file {name!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ValueProblem(f"file {name!r} cannot be read: {exc.strerror or exc}") from None
    if full.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueProblem(f"file {name!r} is not valid JSON: {exc}") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            raise ValueProblem(f"file {name!r} is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ValueProblem(f"file {name!r} must hold a mapping (key: value lines) at its top level")
    return data
