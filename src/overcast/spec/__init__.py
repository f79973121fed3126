"""Stack files (``overcast.yml``): typed models, loading with line numbers, references, JSON Schema."""

from overcast.spec.imports import StackImport, imports_in, substitute_imports
from overcast.spec.loader import Stack, load_stack, load_stack_text
from overcast.spec.models import FunctionSpec, StackSpec
from overcast.spec.problems import SpecProblem

__all__ = [
    "FunctionSpec",
    "SpecProblem",
    "Stack",
    "StackImport",
    "StackSpec",
    "imports_in",
    "load_stack",
    "load_stack_text",
    "stack_json_schema",
    "substitute_imports",
]


def __getattr__(name: str):
    # Imported lazily so `python -m overcast.spec.schema` runs the module only once.
    if name == "stack_json_schema":
        from overcast.spec.schema import stack_json_schema

        return stack_json_schema
    raise AttributeError(f"module 'overcast.spec' has no attribute {name!r}")
