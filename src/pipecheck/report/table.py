"""Plain-text and Markdown tables.

Written here rather than taken from tabulate: importing tabulate imports importlib.metadata,
which alone cost 20 of the 100 ms a whole lint took (benchmarks/lint_latency.py), and the lint
must stay fast enough for a pre-commit hook.
"""

from __future__ import annotations

import os
import unicodedata

ELLIPSIS = "…"
DEFAULT_WIDTH = 100


def terminal_width(stream=None) -> int:
    """COLUMNS when set, else the terminal's width, else 100 (a pipe, a file, CI)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    try:
        if stream is not None and stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return DEFAULT_WIDTH


def shorten_middle(text: str, width: int) -> str:
    """`faces_cubes/…/ckpt-0` : the start and the end of a value kept, the middle given up, to fit `width`."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    head, tail = text[: (keep + 1) // 2], text[len(text) - keep // 2 :] if keep // 2 else ""
    while display_width(head) + display_width(tail) > keep:  # wide characters count twice
        head, tail = (head[:-1], tail) if len(head) >= len(tail) else (head, tail[1:])
    return head + ELLIPSIS + tail


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count twice)."""
    if text.isascii():  # a config value can be megabytes long: no per-character lookup then
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def text_table(
    headers: list[str], rows: list[list[object]], width: int | None = None, optional: tuple[int, ...] = ()
) -> str:
    """Columns separated by two spaces, headers underlined with dashes (like tabulate's "simple").

    With `width`, the table is fitted to it: an `optional` column that would be cut below 20
    characters is left out, then the widest columns give up room, their values shortened in the
    middle (no column below 10 characters; a column of short values, like line numbers, stays whole).
    """
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    if width is not None:
        for column in sorted(optional, reverse=True):
            if sum(widths) + 2 * (len(widths) - 1) - width > widths[column] - 20:
                headers = headers[:column] + headers[column + 1 :]
                cells = [row[:column] + row[column + 1 :] for row in cells]
                widths = widths[:column] + widths[column + 1 :]
        floors = [w if all(display_width(row[i]) <= 6 for row in cells) else min(w, 10) for i, w in enumerate(widths)]
        widths = _fit(widths, floors, width - 2 * (len(headers) - 1))
        headers = [shorten_middle(h, w) for h, w in zip(headers, widths)]
        cells = [[shorten_middle(c, w) for c, w in zip(row, widths)] for row in cells]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _fit(widths: list[int], floors: list[int], room: int) -> list[int]:
    widths = list(widths)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floors[i])
        if widths[widest] <= floors[widest]:
            break
        widths[widest] -= 1
    return widths


class Code(str):
    """A Markdown cell shown as code, whatever it holds."""


class Markup(str):
    """A Markdown cell pipecheck wrote itself (a link in `pipecheck rules --format markdown`): kept as it is."""


_MARKDOWN_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "[": "\\[",
    "]": "\\]",
    "!": "\\!",
    "`": "\\`",
    "\\": "\\\\",
    "|": "\\|",
    "\n": " ",
    "\r": " ",
}


def md_text(text: object) -> str:
    """Text from a project (class names, paths, messages quoting them) as inert Markdown.

    Label-map names and record class text reach a pull-request comment: no HTML, no link and
    no image may come out of them.
    """
    return "".join(_MARKDOWN_ESCAPES.get(c, c) for c in str(text))


def md_code(text: object) -> str:
    """`text` as a code span, fenced with more backticks than it holds."""
    text = str(text).replace("\n", " ").replace("\r", " ").replace("|", "\\|")
    longest = run = 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, Markup):
            return str(value).replace("|", "\\|").replace("\n", " ")
        return md_code(value) if isinstance(value, Code) else md_text(value)

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
