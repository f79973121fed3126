"""One problem found in a stack file, and how data paths are written in it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """What is wrong, and where: ``file:line:column: path: message``.

    ``line`` and ``column`` are 1-based; 0 means the problem has no position
    in the file (the file itself is missing), and ``str()`` then leaves them out.
    """

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.path}: {self.message}"
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"


def format_path(path: tuple[str | int, ...]) -> str:
    """``("functions", "hello", "routes", 1)`` -> ``functions.hello.routes[1]``.

    Keys that are not plain words are quoted (``environment["A.B"]``); the
    empty path is ``(top level)``.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out or "(top level)"
