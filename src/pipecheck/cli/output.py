"""Write a report to stdout or a file, whatever characters the project's names hold.

Both go through the output layer (report/terminal.py): controls and bidi overrides are shown,
not obeyed, and a folder name that is not UTF-8 (lone surrogates in Python) becomes U+FFFD,
so JSON, SARIF and HTML stay valid UTF-8.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.report.terminal import finish


def printable(text: str) -> str:
    return finish(text, controls=False)


def emit(text: str, output: Path | None = None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(printable(text), encoding="utf-8")
