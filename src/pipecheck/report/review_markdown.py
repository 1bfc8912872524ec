"""The peer-review report as Markdown (a pull-request comment, a wiki page): tables, no pictures."""

from __future__ import annotations

from pipecheck.i18n import _
from pipecheck.report.table import Code, markdown_table, md_code, md_text
from pipecheck.report.text import diff_cells, diff_headers, severity_word
from pipecheck.version import __version__

_STATUS = {"passed": "✅", "warning": "⚠️", "error": "❌", "undecided": "❔"}


def render(review) -> str:
    result = review.result
    project = result.project
    lines = [
        f"# {md_text(_('Peer review: {network}', network=project.net_name))}",
        "",
        f"{md_code(project.display(project.config_path))} · pipecheck {__version__}",
        "",
    ]
    lines += [f"## {_('At a glance')}", "", markdown_table([_("Item"), _("Value")], review.glance), ""]
    lines += [f"## {_('Findings')}", ""]
    if review.findings:
        rows = [
            [
                severity_word(f.severity),
                f.rule,
                Code(f"{project.display(f.file)}:{f.line}:{f.column}"),
                Code(f.field) if f.field else "",
                f.message + (f" — {_('fix: {hint}', hint=f.hint)}" if f.hint else ""),
            ]
            for f in review.findings
        ]
        lines.append(markdown_table([_("Severity"), _("Rule"), _("Where"), _("Field"), _("Message")], rows))
    else:
        lines.append(_("No finding."))
    lines += ["", f"## {_('Changes against the original')}", ""]
    lines.append(markdown_table(diff_headers(), diff_cells(review.diff)) if review.diff else _("No change."))
    lines += ["", f"## {_('Derived numbers')}", ""]
    lines.append(
        markdown_table(
            [_("Quantity"), _("Value"), _("Working")], [[d.name, d.value, d.working] for d in review.derived]
        )
    )
    if review.class_counts:
        lines += ["", f"## {_('The data')}", ""]
        readers = list(review.class_counts)
        rows = [[name] + [review.class_counts[r][i] for r in readers] for i, name in enumerate(review.classes)]
        lines.append(markdown_table([_("class")] + readers, rows))
    lines += ["", f"## {_('Sign-off')}", ""]
    lines += [
        f"- [ ] {md_text(item)} {_STATUS[status]} {md_code(' '.join(codes))}"
        for item, status, codes in review.checklist
    ]
    lines += ["", f"{_('Reviewed by')}: … · {_('Date')}: …", ""]
    return "\n".join(lines)
