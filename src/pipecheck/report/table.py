"""Plain-text and Markdown tables.

Written here rather than taken from tabulate: importing tabulate imports importlib.metadata,
which alone cost 20 of the 100 ms a whole lint took (benchmarks/lint_latency.py), and the lint
must stay fast enough for a pre-commit hook.
"""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count twice)."""
    if text.isascii():  # a config value can be megabytes long: no per-character lookup then
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def text_table(headers: list[str], rows: list[list[object]]) -> str:
    """Columns separated by two spaces, headers underlined with dashes (like tabulate's "simple")."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


class Code(str):
    """A Markdown cell shown as code, whatever it holds."""


class Markup(str):
    """A Markdown cell pipecheck wrote itself (a link in docs/rules.md): kept as it is."""


_MARKDOWN_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "!": "\\!", "`": "\\`",
                     "\\": "\\\\", "|": "\\|", "\n": " ", "\r": " "}


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
