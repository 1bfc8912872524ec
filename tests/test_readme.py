"""The README is a front door: small, its commands the ones CI runs, its demo what pipecheck prints."""

import re

from support.projects import REPO

ONE_LINE_BLOCK = re.compile(r"```\n([^\n`]+)\n```")
README = REPO / "README.md"


def readme_commands() -> list[str]:
    """Every fenced block of one command line: the fresh machine's two, the docs build, the slow tiers."""
    return re.findall(ONE_LINE_BLOCK, README.read_text())


def test_ci_runs_the_readme_test_commands():
    commands = readme_commands()
    assert len([c for c in commands if "pipecheck faces_cubes/training/" in c]) == 1
    tests = [c for c in commands if c.endswith("python -m pytest")]
    docs = [c for c in commands if "mkdocs build --strict" in c]
    slow = [c for c in commands if re.search(r"python -m pytest -m '?slow", c)]
    integration = [c for c in commands if c.endswith("python -m pytest -m integration")]
    uv = [c for c in commands if c.endswith("pip install -q uv")]
    # downloads while the fast tier runs: in the background, and nothing after it relies on it
    prefetch = [c for c in commands if c.startswith(".ci/prefetch")]
    assert len(tests) == 1 and len(docs) == 1 and len(uv) == 1 and prefetch == [".ci/prefetch &"]
    # uv fills every venv (measured 6 to 12 times faster than pip here: benchmarks/install_speed.py)
    assert all(".venv-uv/bin/uv pip install -q -p " in c and "/bin/pip " not in c for c in tests + docs + slow)
    # the tools first, installed by a script as root, never by a test
    assert integration == [".ci/install-test-tools && .venv/bin/python -m pytest -m integration"]
    # [train] as a user installs it on Python 3.11 (TensorFlow 2.15.1), 3.12 and 3.13 (TensorFlow 2.21)
    assert [c.split()[0] for c in slow] == ["python3", "python3.12", "python3.13"]
    assert all("'.[test,train]'" in c and "-r requirements/od-api.txt" in c for c in slow)
    # 3.11 leaves the tests whose outcome does not depend on TensorFlow's version to 3.12; 3.13: the course end to end
    assert [c.split("python -m pytest ")[1] for c in slow] == [
        "-m 'slow and not one_stack'",
        "-m 'slow and not course'",  # 3.13 trains the course on the same TensorFlow
        "-m 'slow and course'",
    ]
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    run = [line for line in ci if re.match(r"(python3(\.\d+)? -m venv |\.venv[\w-]*/bin/|\.ci/)", line)]
    ordered = [c for c in commands if c in uv + prefetch + tests + docs + integration + slow]
    assert run == ordered, "the README's test commands and .ci/run's differ"


def test_the_readme_is_a_front_door():
    """At most 10 KB, and nothing in it goes stale when a rule is added: no count of rules."""
    text = README.read_text()
    assert len(text.encode()) <= 10 * 1024, len(text.encode())
    assert not re.search(r"\b\d+ rules\b|\b\d+ passed\b", text), re.search(r"\b\d+ rules\b|\b\d+ passed\b", text)
    for link in re.findall(r"\]\(([^)#]+)", text):
        if not link.startswith("http"):
            assert (REPO / link).exists(), link


def test_the_readme_demo_is_what_the_example_prints(tmp_path, monkeypatch):
    """Each line of the README's first output block (but its "...") is in the real output."""
    from support.cli import run_cli
    from support.projects import copy_example

    monkeypatch.chdir(copy_example(tmp_path / "tod_tf2"))  # the committed example, its stand-in as it is

    text = README.read_text()
    block = text[text.index("```\n$ pipecheck faces_cubes/") + 4 :]
    block = block[: block.index("```")].splitlines()
    monkeypatch.setenv("COLUMNS", "100")
    code, out = run_cli(*block[0].split()[2:])
    printed = out.splitlines()
    assert code == 1, out
    shown = [line for line in block[1:] if line != "..."]
    assert len(shown) > 10
    for line in shown:
        assert line in printed, line
