"""A finding as an LSP Diagnostic: its range in the client's units, code, link, severity, fix."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from pipecheck.lsp.linting import finding_span
from pipecheck.report.rule_docs import rule_page_url

SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def span_range(lines: list[str], line: int, column: int, codec) -> types.Range:
    """The client's range of what sits at 1-based `line`:`column` (characters) in `lines`."""
    index = max(0, min(line - 1, len(lines) - 1))
    text = lines[index].rstrip("\r\n")
    start, end = finding_span(text, column)
    server = ServerTextRange(ServerTextPosition(index, start), ServerTextPosition(index, end))
    return codec.range_to_client_units(lines, server)


def diagnostic(finding, lines: list[str], codec, fixes: dict[str, str | None]) -> types.Diagnostic:
    """`fixes` gives each rule's fix safety ("safe", "unsafe" or None) for the code actions."""
    quiet = finding.tier == "quiet"  # a setting TF2 never reads: shown faded, as unused code is
    message = finding.message + (f"\nfix: {finding.hint}" if finding.hint else "")
    return types.Diagnostic(
        range=span_range(lines, finding.line or 1, finding.column or 1, codec),
        message=message,
        severity=types.DiagnosticSeverity.Hint if quiet else SEVERITIES.get(finding.severity),
        code=finding.rule,
        code_description=types.CodeDescription(href=rule_page_url(finding.rule)) if finding.rule else None,
        source="pipecheck",
        tags=[types.DiagnosticTag.Unnecessary] if quiet else None,
        related_information=[_related(item) for item in getattr(finding, "related", ())] or None,
        data={
            "rule": finding.rule,
            "field": finding.field,
            "replacement": finding.replacement,
            "remove": finding.remove,
            "fix": fixes.get(finding.rule),
            "line": finding.line,
        },
    )


def _related(item) -> types.DiagnosticRelatedInformation:
    """(file, line, column, message): a place that explains the finding (the label map's highest id)."""
    path, line, column, note = item
    start = types.Position(max(0, line - 1), max(0, column - 1))
    location = types.Location(from_fs_path(str(Path(path).absolute())), types.Range(start, start))
    return types.DiagnosticRelatedInformation(location, note)


def problem_diagnostic(message: str) -> types.Diagnostic:
    """What keeps the file from being linted at all (no project, broken settings), on its first line."""
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        source="pipecheck",
    )
