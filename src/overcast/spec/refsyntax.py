"""Reference syntax in stack-file strings (pure): split text into literals and references.

A string value may hold references, whole or embedded in text::

    ${stage}                   the stage being deployed
    ${env:VAR}                 an environment variable of the deploying machine
    ${env:VAR, 'default'}      ... with a quoted default (single or double quotes)
    ${self:a.b.c}              another value of the same stack file, by dotted path
    ${file(PATH):a.b}          a key of a YAML/JSON file, PATH relative to the stack directory
    ${stack:STACK.OUTPUT}      an output of another stack (resolved by the platform)

``$${`` is a literal ``${``. References do not nest: ``${self:a.${stage}}``
is refused. ``escape`` is the inverse of splitting: it turns literal text
back into template text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from overcast.spec.rules import OUTPUT_NAME, STACK_NAME

KINDS = ("stage", "env", "self", "file", "stack")
FORMS = "${stage}, ${env:VAR}, ${self:PATH}, ${file(PATH):KEY}, ${stack:STACK.OUTPUT}"
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FILE = re.compile(r"^file\s*\((.*)\)\s*(?::(.*))?$", re.S)


class ReferenceSyntaxError(ValueError):
    """A malformed reference; ``offset`` is where it starts in the string."""

    def __init__(self, message: str, offset: int, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.text = text  # the reference as written, when it is known


@dataclass(frozen=True, slots=True)
class Ref:
    """One ``${...}`` as written (``text``) and where it starts in its string."""

    text: str
    offset: int

    @property
    def body(self) -> str:
        return self.text[2:-1]


@dataclass(frozen=True, slots=True)
class StageRef:
    pass


@dataclass(frozen=True, slots=True)
class EnvRef:
    var: str
    default: str | None


@dataclass(frozen=True, slots=True)
class SelfRef:
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileRef:
    file: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StackRef:
    stack: str
    output: str

    def __str__(self) -> str:
        return f"${{stack:{self.stack}.{self.output}}}"


Reference = StageRef | EnvRef | SelfRef | FileRef | StackRef


def split_template(text: str) -> list[str | Ref]:
    """``"a-${stage}"`` -> ``["a-", Ref("${stage}", 2)]``; ``$${`` becomes a literal ``${``.

    Literal pieces are merged; raises ``ReferenceSyntaxError`` for an
    unclosed or nested ``${``.
    """
    parts: list[str | Ref] = []
    literal: list[str] = []
    i = 0
    while True:
        j = text.find("${", i)
        if j < 0:
            literal.append(text[i:])
            break
        if j > i and text[j - 1] == "$":  # "$${" is an escaped "${"
            literal.append(text[i : j - 1] + "${")
            i = j + 2
            continue
        literal.append(text[i:j])
        end = _closing(text, j)
        if "".join(literal):
            parts.append("".join(literal))
        literal = []
        parts.append(Ref(text[j : end + 1], j))
        i = end + 1
    if "".join(literal) or not parts:
        parts.append("".join(literal))
    return parts


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` at ``start``; quotes after a ``,`` may hold ``}``."""
    quote = None
    after_comma = False
    k = start + 2
    while k < len(text):
        char = text[k]
        if quote:
            if char == quote:
                quote = None
        elif char == "}":
            return k
        elif text.startswith("${", k):
            raise ReferenceSyntaxError(
                f"nested references are not supported: {text[start:k + 2]!r} opens a '${{' inside another "
                "(or a '}' is missing); write the inner value out",
                start,
            )
        elif char == ",":
            after_comma = True
        elif char in "'\"" and after_comma:
            quote = char
        k += 1
    raise ReferenceSyntaxError(
        f"unclosed reference {_clip(text[start:])!r}: a '${{' must be closed by '}}' "
        "(write '$${' for a literal '${')",
        start,
    )


def _clip(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


def escape(text: str) -> str:
    """Literal text as template text: every ``${`` becomes ``$${``."""
    return text.replace("${", "$${")


def parse_reference(ref: Ref) -> Reference:
    """What a reference asks for; raises ``ReferenceSyntaxError`` naming the forms allowed."""
    body = ref.body.strip()

    def fail(message: str) -> ReferenceSyntaxError:
        return ReferenceSyntaxError(message, ref.offset, ref.text)

    if not body:
        raise fail(f"empty reference '${{}}'; references are {FORMS}")
    if body == "stage":
        return StageRef()
    head, default = _split_default(body, fail)
    if default is not None and not head.startswith("env:"):
        raise fail(f"{ref.text}: a default (', ...') is only supported in ${{env:VAR, 'default'}}")
    match = _FILE.match(head)
    if match:
        file = match.group(1).strip().strip("'\"")
        keys = _keys(match.group(2) or "")
        if not file or keys is None:
            raise fail(f"{ref.text}: a file reference is written ${{file(PATH):KEY}}, e.g. ${{file(config.yml):a.b}}")
        return FileRef(file, keys)
    kind, colon, arg = head.partition(":")
    kind, arg = kind.strip(), arg.strip()
    if kind == "env" and colon:
        if not _ENV_VAR.match(arg):
            raise fail(f"{ref.text}: environment variable name {arg!r} must be letters, digits and '_'")
        return EnvRef(arg, default)
    if kind == "self" and colon:
        keys = _keys(arg)
        if keys is None:
            raise fail(f"{ref.text}: ${{self:PATH}} needs a dotted path of this file, e.g. ${{self:stack}}")
        return SelfRef(keys)
    if kind == "stack" and colon:
        stack, dot, output = arg.partition(".")
        if not (dot and STACK_NAME.match(stack) and OUTPUT_NAME.match(output)):
            raise fail(
                f"{ref.text}: a stack import is written ${{stack:STACK.OUTPUT}} (a stack name, a dot, "
                "an output name), e.g. ${stack:shared-data.TableName}"
            )
        return StackRef(stack, output)
    raise fail(_unknown(ref.text, kind, arg, colon))


def _split_default(body: str, fail) -> tuple[str, str | None]:
    head, comma, rest = body.partition(",")
    if not comma:
        return body, None
    rest = rest.strip()
    if len(rest) < 2 or rest[0] not in "'\"" or rest[-1] != rest[0] or rest[0] in rest[1:-1]:
        raise fail(f"${{{body}}}: the default must be one quoted text, e.g. ${{env:VAR, 'value'}}")
    return head.strip(), rest[1:-1]


def _keys(path: str) -> tuple[str, ...] | None:
    keys = tuple(k.strip() for k in path.split("."))
    return None if not path.strip() or not all(keys) else keys


def _unknown(text: str, kind: str, arg: str, colon: str) -> str:
    if kind == "stage":
        return f"{text}: ${{stage}} takes no argument; references are {FORMS}"
    if kind == "file":
        return f"{text}: a file reference is written ${{file(PATH):KEY}}, e.g. ${{file(config.yml):a.b}}"
    if kind in KINDS:
        return f"{text}: ${{{kind}:...}} needs an argument; references are {FORMS}"
    if kind in ("opt", "sls") and arg == "stage":
        return f"{text}: the stage is written ${{stage}} here; references are {FORMS}"
    message = f"unknown reference kind {kind!r} in {text}"
    close = difflib.get_close_matches(kind, KINDS, n=1, cutoff=0.5)
    if close:
        message += f"; did you mean '{close[0]}'?"
    return f"{message} (references are {FORMS})"
