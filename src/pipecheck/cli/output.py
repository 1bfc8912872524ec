"""Write a report to stdout or a file, whatever bytes the project's file names hold.

A folder name that is not UTF-8 reaches Python as lone surrogates, which no UTF-8 stream
accepts; in a report they become U+FFFD, so JSON, SARIF and HTML stay valid UTF-8.
"""

from __future__ import annotations

import sys
from pathlib import Path


def printable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def emit(text: str, output: Path | None = None) -> None:
    if output is None:
        sys.stdout.write(printable(text))
    else:
        Path(output).write_text(printable(text), encoding="utf-8")
