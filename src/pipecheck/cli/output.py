"""Write a report to stdout or a file, whatever characters the project's names hold.

Both go through the output layer (report/terminal.py): controls and bidi overrides are shown,
not obeyed, and a folder name that is not UTF-8 (lone surrogates in Python) becomes U+FFFD,
so JSON, SARIF and HTML stay valid UTF-8. A file goes through the guarded writer
(atomic.write_output: no link inside the project, one rename, refused if another run wrote it
since `since`, the file's identity when the command began: see `seen`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.atomic import ANY, output_identity, write_output
from pipecheck.report.terminal import finish


def printable(text: str) -> str:
    return finish(text, controls=False)


def seen(output: Path | None):
    """The identity of the file `output` names, taken when a command begins (emit's `since`)."""
    return output_identity(output) if output is not None else ANY


def emit(text: str, output: Path | None = None, since=ANY) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(Path(output), printable(text).encode("utf-8"), since)
