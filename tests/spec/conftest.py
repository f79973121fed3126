import textwrap
from pathlib import Path

import pytest

from overcast.errors import SpecError


class StackDir:
    """A stack directory in tmp_path: write overcast.yml and handler modules."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, yaml_text: str, modules: tuple[str, ...] = ("app.py",), name: str = "overcast.yml") -> Path:
        """Write the stack file (dedented; line 1 is the first line after the opening quotes)."""
        for module in modules:
            path = self.root / module
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("def handler(event, context):\n    return {}\n")
        file = self.root / name
        text = textwrap.dedent(yaml_text)
        file.write_text(text[1:] if text.startswith("\n") else text)
        return file

    def load(self, yaml_text: str, modules: tuple[str, ...] = ("app.py",), **options):
        """Write and load the stack; ``options`` (stage, env) go to ``load_stack``, env defaulting to {}."""
        from overcast.spec import load_stack

        self.write(yaml_text, modules)
        options.setdefault("env", {})
        return load_stack(self.root, **options)

    def problems(self, yaml_text: str, modules: tuple[str, ...] = ("app.py",), **options) -> list:
        """Load and return the problems; fails the test if the stack loads."""
        with pytest.raises(SpecError) as info:
            self.load(yaml_text, modules, **options)
        return info.value.problems

    def problem(self, yaml_text: str, modules: tuple[str, ...] = ("app.py",), **options):
        """Load and return the one problem found; fails the test on none or several."""
        problems = self.problems(yaml_text, modules, **options)
        assert len(problems) == 1, "\n".join(str(p) for p in problems)
        return problems[0]


@pytest.fixture
def stack_dir(tmp_path: Path) -> StackDir:
    return StackDir(tmp_path)
