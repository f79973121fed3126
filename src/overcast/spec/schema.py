"""The published JSON Schema of stack files (for editors and CI linters).

``overcast.schema.json`` next to this module is generated, never edited:
``python -m overcast.spec.schema`` rewrites it, and a test keeps it current.
The schema is a coarse guide; ``load_stack`` is the authority (it also
checks sizes, duplicate routes, handler files and the full route grammar, and
resolves references first, so ``memory: ${self:custom.memory}`` is valid even
though the schema wants an integer there).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from overcast.spec.models import StackSpec

SCHEMA_ID = "https://overcast.dev/schema/overcast.schema.json"
SCHEMA_FILE = Path(__file__).with_name("overcast.schema.json")


def stack_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of an ``overcast.yml`` file."""
    schema = StackSpec.model_json_schema()
    schema.update({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "overcast stack file (overcast.yml)",
        "description": "A stack: a name, the functions it deploys with their routes and settings, and its "
        "outputs. Strings may hold references (${stage}, ${env:VAR}, ${self:PATH}, ${file(PATH):KEY}, "
        "${stack:STACK.OUTPUT}), resolved when the stack is loaded.",
    })
    return schema


def render() -> str:
    """The schema file's exact text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(stack_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema to ``SCHEMA_FILE`` (or to the path given as the only argument)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SCHEMA_FILE
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
