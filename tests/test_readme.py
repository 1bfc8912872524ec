"""The README's commands are the ones CI runs."""

import re

from support.projects import REPO

# A one-line block that makes a venv or runs a .ci/ script: the commands CI runs, and the README's demo.
COMMAND_START = r"(?:python3(?:\.\d+)? -m venv |\.ci/)"
VENV_COMMAND = re.compile(r"```\n(" + COMMAND_START + r"[^\n]+)\n```")


def readme_commands() -> list[str]:
    return re.findall(VENV_COMMAND, (REPO / "README.md").read_text())


def test_ci_runs_the_readme_test_commands():
    commands = readme_commands()
    assert len([c for c in commands if "pipecheck faces_cubes/training/" in c]) == 1
    tests = [c for c in commands if c.endswith("python -m pytest")]
    slow = [c for c in commands if "python -m pytest -m slow" in c]
    integration = [c for c in commands if c.endswith("python -m pytest -m integration")]
    assert len(tests) == 1
    # the tools first, installed by a script as root, never by a test
    assert integration == [".ci/install-test-tools && .venv/bin/python -m pytest -m integration"]
    # [train] as a user installs it on Python 3.11 (TensorFlow 2.15.1), 3.12 and 3.13 (TensorFlow 2.21)
    assert [c.split()[0] for c in slow] == ["python3", "python3.12", "python3.13"]
    assert all("'.[test,train]'" in c and "-r requirements/od-api.txt" in c for c in slow)
    assert [c.endswith("-m slow") for c in slow] == [True, True, False]  # 3.13: the course end to end
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert [line for line in ci if re.match(COMMAND_START, line)] == tests + integration + slow


def test_the_readme_demo_is_what_the_example_prints(tmp_path, monkeypatch):
    """Each line of the README's first output block (but its "..." and the time) is in the real output."""
    from support.cli import run_cli
    from support.projects import copy_example

    monkeypatch.chdir(copy_example(tmp_path / "tod_tf2"))  # the committed example, its stand-in as it is

    text = (REPO / "README.md").read_text()
    block = text[text.index("```\n$ pipecheck faces_cubes/") + 4 :]
    block = block[: block.index("```")].splitlines()
    monkeypatch.setenv("COLUMNS", "100")
    code, out = run_cli(*block[0].split()[2:])
    printed = [re.sub(r"\d+\.\d\ds ==$", "s ==", line) for line in out.splitlines()]
    assert code == 1, out
    for line in block[1:]:
        if line != "...":
            assert re.sub(r"\d+\.\d\ds ==$", "s ==", line) in printed, line
