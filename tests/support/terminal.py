"""Start a command the way a terminal does, so that a test's SIGINT is a Ctrl-C.

A shell without job control starts a background command with SIGINT ignored (POSIX), and an
ignored signal stays ignored across exec. pytest started as `pytest &` (or from a CI step that
does so) would pass that on, and every Ctrl-C test would watch pipecheck ignore its SIGINT and
train to the end. Measured: the course's Ctrl-C test failed that way, and passed with this.
"""

from __future__ import annotations

import os
import signal
import subprocess


def ctrl_c_reaches_it() -> None:
    """preexec_fn for subprocess.Popen: SIGINT back to its default, so Python turns it into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_like_a_terminal(command: list[str], cwd, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`command` running with its output piped, the progress bar off and SIGINT as a terminal leaves it."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_it,
        env={**os.environ, "PIPECHECK_PROGRESS": "never", **(env or {})},
    )
