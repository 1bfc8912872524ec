"""Test your rules the way pipecheck tests its own: each rule's Bad/Good examples run as test cases.

    # tests/test_my_rules.py, beside your pipecheck_rules/ folder and a clean copy of your project
    import shutil
    import pytest
    from pipecheck.testing import example_cases, run_example

    @pytest.mark.parametrize("spec, example", example_cases(["pipecheck_rules"]))
    def test_rule_example(spec, example, tmp_path):
        root = shutil.copytree("tests/clean_project", tmp_path / "project")
        run_example(spec, example, root, config="training/my_net/pipeline.config")

A step of an example edits the project (see pipecheck.testing.examples for the steps); the
writers make real TFRecords, tf.train.Examples and checkpoints without TensorFlow.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path

from pipecheck.testing.examples import Example, apply_example, check_outcome, edit_config, examples_of, targets


def example_cases(rules_dirs: list[str | Path] = (), builtin: bool = False) -> list:
    """pytest parameters (spec, example) for every example of the rules in these folders."""
    import pytest

    from pipecheck.engine.discovery import discover

    rules = discover([Path(d) for d in rules_dirs], builtin=builtin, plugins=False).rules
    rules = [spec for spec in rules if builtin or spec.meta is None]  # the engine's own rules come with builtin
    return [
        pytest.param(spec, example, id=f"{spec.code}-{example.kind}{'-' + example.label if example.label else ''}")
        for spec in rules
        for example in examples_of(spec.function)
    ]


def lint_json(root: Path, config: str, *options: str) -> tuple[int, dict]:
    """Lint `config` (from the launch root `root`) in this process: (exit code, the JSON report)."""
    from pipecheck.cli.main import main

    previous, buffer = Path.cwd(), io.StringIO()
    os.chdir(root)
    try:
        with redirect_stdout(buffer):
            code = main(["check", config, "--format", "json", *options])
    finally:
        os.chdir(previous)
    return code, json.loads(buffer.getvalue())


def run_example(spec, example: Example, root: Path, config: str, options: tuple[str, ...] = (), bases=None) -> None:
    """Apply the example to the project at `root`, lint it, and assert what the example promises."""
    target = apply_example(Path(root), example, config, bases)
    previous = os.environ.get("HOME")
    if example.home:
        os.environ["HOME"] = str((Path(root) / example.home).resolve())
    try:
        code, document = lint_json(Path(root), target, *options, *example.options)
    finally:
        if example.home and previous is not None:
            os.environ["HOME"] = previous
        elif example.home:
            del os.environ["HOME"]
    check_outcome(spec, example, code, document)


__all__ = [
    "Example",
    "apply_example",
    "check_outcome",
    "edit_config",
    "example_cases",
    "examples_of",
    "lint_json",
    "run_example",
    "targets",
]
