"""The repository keeps its promises: CI runs exactly README's test command."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ci_runs_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                   if line.startswith("python3 -m venv")]
    assert len(ci_commands) == 1
    assert f"    {ci_commands[0]}\n" in readme
    assert "pytest" in ci_commands[0]


def test_readme_quick_start_serves_the_example():
    readme = (ROOT / "README.md").read_text()
    assert "overcast dev examples/hello\n" in readme
    assert (ROOT / "examples" / "hello" / "overcast.yml").is_file()


def test_lint_is_clean():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "bench"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
