"""The README's commands are the ones CI runs."""

import re

from support.projects import REPO


def readme_commands() -> list[str]:
    return re.findall(r"```\n(python3 -m venv [^\n]+)\n```", (REPO / "README.md").read_text())


def test_ci_runs_the_readme_test_commands():
    demo, tests, slow = readme_commands()
    assert "pytest" in tests and "pipecheck faces_cubes/training/" in demo and "pytest -m slow" in slow
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert tests in ci and slow in ci
