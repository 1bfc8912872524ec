"""A lint result as a notebook shows it: findings grouped by severity, then the table of changes.

One HTML fragment (no script, no external style), so Jupyter, VS Code and Colab show it alike;
every text from the config or the project is escaped.
"""

from __future__ import annotations

from html import escape

from pipecheck.i18n import _, n_
from pipecheck.report.diff import diff_rows
from pipecheck.report.review_html import breakable
from pipecheck.report.text import diff_cells, diff_headers, severity_word

_STYLE = (
    "<style>.pipecheck table{border-collapse:collapse;font-size:13px;margin:4px 0 10px}"
    ".pipecheck th,.pipecheck td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    ".pipecheck .error{color:#9b2c2c}.pipecheck .warning{color:#9c4221}.pipecheck .info{color:#2c5282}"
    ".pipecheck .hint{color:#2f855a}.pipecheck code{font-size:12px}</style>"
)
_GROUPS = (("error", "errors"), ("warning", "warnings"), ("info", "infos"))


def render(result) -> str:
    project = result.project
    parts = [_STYLE, '<div class="pipecheck">']
    parts.append(
        f"<p><b>pipecheck</b> · <code>{escape(project.display(project.config_path))}</code> · {_summary(result)}</p>"
    )
    shown = [finding for finding in result.findings if finding.tier == "default"]
    for severity, _plural in _GROUPS:
        group = [finding for finding in shown if finding.severity == severity]
        if group:
            parts.append(_findings_table(result, severity, group))
    if not shown:
        parts.append(f"<p>{escape(_('No finding.'))}</p>")
    quiet = [finding for finding in result.findings if finding.tier == "quiet"]
    if quiet:
        names = ", ".join(sorted({(finding.field or "").rpartition(".")[2] for finding in quiet}))
        parts.append(f"<p>{escape(_('Settings TF2 ignores: {names}', names=names))}</p>")
    if result.config is not None and result.original is not None:
        rows = diff_rows(result.config, result.original)
        caption = _("Changes against {path} ({count}):", path=project.display(result.original.path), count=len(rows))
        parts.append(f"<p>{escape(caption)}</p>")
        parts.append(_table(diff_headers(), [[escape(str(cell)) for cell in row] for row in diff_cells(rows)]))
    parts.append("</div>")
    return "".join(parts)


def _summary(result) -> str:
    counts = [
        n_("{count} error", "{count} errors", result.count("error")),
        n_("{count} warning", "{count} warnings", result.count("warning")),
        n_("{count} info", "{count} infos", result.count("info")),
    ]
    return escape(", ".join(counts))


def _findings_table(result, severity: str, findings: list) -> str:
    rows = []
    for finding in findings:
        where = f"{result.project.display(finding.file)}:{finding.line}:{finding.column}"
        message = breakable(finding.message)
        if finding.hint:
            message += f'<br><span class="hint">{breakable(_("fix: {hint}", hint=finding.hint))}</span>'
        rows.append([escape(finding.rule), f"<code>{escape(where)}</code>", message])
    heading = f'<p class="{escape(severity)}"><b>{escape(severity_word(severity))}</b> ({len(findings)})</p>'
    return heading + _table([_("Rule"), _("Where"), _("Message")], rows)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
