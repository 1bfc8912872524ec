"""The README's commands are the ones CI runs."""

import re

from support.projects import REPO


def readme_commands() -> list[str]:
    return re.findall(r"```\n(python3 -m venv [^\n]+)\n```", (REPO / "README.md").read_text())


def test_ci_runs_the_readme_test_commands():
    commands = readme_commands()
    assert len([c for c in commands if "pipecheck faces_cubes/training/" in c]) == 1
    tests = [c for c in commands if c.endswith("python -m pytest")]
    slow = [c for c in commands if c.endswith("python -m pytest -m slow")]
    assert len(tests) == 1 and len(slow) == 2  # the slow tier on each training stack
    assert any("'.[test,train]'" in c for c in slow) and any("train-tf221" in c for c in slow)
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert [line for line in ci if line.startswith("python3 -m venv")] == tests + slow
