"""The default, pytest-like terminal report: findings, the diff table, one summary line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipecheck import __version__
from pipecheck.report.diff import diff_rows
from pipecheck.report.table import text_table

_COLORS = {"error": "31;1", "warning": "33;1", "info": "36", "passed": "32", "summary-bad": "31;1",
           "summary-good": "32;1", "summary-warn": "33;1", "dim": "2"}


class Style:
    def __init__(self, stream):
        self.enabled = hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ

    def __call__(self, text: str, role: str) -> str:
        if not self.enabled or role not in _COLORS:
            return text
        return f"\x1b[{_COLORS[role]}m{text}\x1b[0m"


def shown_path(path: Path | str) -> str:
    """A path relative to the current folder when it is inside it, as editors and terminals like."""
    path = Path(path)
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


def render(result, stream=None, show_diff: bool = True, verbose: bool = False) -> str:
    stream = stream or sys.stdout
    style = Style(stream)
    project = result.project
    lines = [style(f"pipecheck {__version__}", "dim") + f" · {shown_path(project.config_path)}",
             f"root      {project.root}  ({project.layout})"]
    if result.config is not None:
        original = result.original
        lines.append("original  " + (project.display(original.path) if original is not None
                                     else "not found (use --original PATH for the diff table)"))
    if result.schema is not None:
        lines.append("schema    " + result.schema.describe())
    for note in project.notes:
        lines.append(style(f"note      {note}", "dim"))
    lines.append("")
    for finding in result.findings:
        lines.extend(_finding_lines(finding, style))
    undecided = [o for o in result.outcomes if o.status in ("undecided", "crashed")]
    if undecided:
        lines.append("")
        for outcome in undecided:
            label = "crashed" if outcome.status == "crashed" else "could not decide"
            lines.append(style(f"{outcome.rule.code} {outcome.rule.name}: {label}: {outcome.reason}",
                               "error" if outcome.status == "crashed" else "dim"))
    if verbose:
        for outcome in result.outcomes:
            if outcome.status == "passed":
                lines.append(style(f"{outcome.rule.code} {outcome.rule.name}: passed ({outcome.seconds * 1000:.1f} ms)",
                                   "passed"))
    if show_diff and result.config is not None and result.original is not None:
        lines.append("")
        lines.extend(diff_table_lines(result))
    lines.append("")
    lines.append(summary_line(result, style))
    return "\n".join(lines) + "\n"


def _finding_lines(finding, style) -> list[str]:
    where = f"{shown_path(finding.file)}:{finding.line}:{finding.column}:"
    field = f" {finding.field}:" if finding.field else ""
    head = f"{where} {finding.rule} {style(finding.severity, finding.severity)}{field} {finding.message}"
    lines = [head]
    if finding.hint:
        lines.append(f"    fix: {finding.hint}")
    return lines


DIFF_HEADERS = ["Line (original)", "Line", "Parameter", "Description", "Initial value", "Value"]


def diff_cells(rows) -> list[list[object]]:
    return [[row.original_line or "", row.line or "", row.parameter, row.description,
             row.original if row.original is not None else "(absent)",
             row.value if row.value is not None else "(removed)"] for row in rows]


def diff_table_lines(result) -> list[str]:
    rows = diff_rows(result.config, result.original)
    title = f"Changes against {result.project.display(result.original.path)} ({len(rows)})"
    if not rows:
        return [title + ": none"]
    return [title + ":", text_table(DIFF_HEADERS, diff_cells(rows))]


def summary_line(result, style) -> str:
    if result.fatal:
        counts = "1 error: the config does not parse"
    else:
        counts = ", ".join(_plural(result.count(s), s) for s in ("error", "warning", "info"))
    statuses = {}
    for outcome in result.outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    rules = ", ".join(f"{n} {status}" for status, n in statuses.items())
    text = f" {counts} · {len(result.outcomes)} rules" + (f": {rules}" if rules else "") + \
           f" · {result.seconds:.2f}s "
    role = "summary-bad" if result.exit_code else ("summary-warn" if result.count("warning") else "summary-good")
    return style(f"=={text}==", role)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"
