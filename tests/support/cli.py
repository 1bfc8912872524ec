"""The one way tests run pipecheck: in this process (`run_cli`, `lint_json`) or as a subprocess (`pipecheck`)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout

from support.projects import CONFIG


def run_cli(*args: str) -> tuple[int, str]:
    """`pipecheck ARGS` in this process: its exit code and what it printed on stdout."""
    from pipecheck.cli.main import main
    from pipecheck.i18n import language, set_language

    buffer, before = io.StringIO(), language()
    try:  # `--lang fr` sets the process's language: the worker's next tests must not read French
        with redirect_stdout(buffer):
            code = main(list(args))
    finally:
        set_language(before)
    return code, buffer.getvalue()


def lint_json(*args: str, target: str = CONFIG) -> tuple[int, dict]:
    """`pipecheck check TARGET --format json` in this process, on a 16 GiB machine, its report parsed."""
    code, out = run_cli("check", target, "--format", "json", "--ram", "16GiB", *args)
    return code, json.loads(out)


def pipecheck(*args: str, cwd, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`python -m pipecheck ARGS` in `cwd`, output captured as text, the progress bar off, `env` added to ours."""
    return subprocess.run(
        [sys.executable, "-m", "pipecheck", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PIPECHECK_PROGRESS": "never", **(env or {})},
        **kwargs,
    )
