"""The peer-review page: one self-contained HTML file (no network, no script, images inline)."""

from __future__ import annotations

import datetime
import re
from html import escape

from pipecheck.i18n import _, language, n_
from pipecheck.report import svg
from pipecheck.report.text import diff_cells, diff_headers, severity_word
from pipecheck.version import __version__

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a202c;background:#f7fafc}
main{max-width:1180px;margin:0 auto;padding:24px}
header h1{margin:0 0 4px;font-size:26px} .sub{color:#4a5568;margin:0 0 12px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px 20px;margin:18px 0}
h2{font-size:19px;margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:13.5px}
.wide{overflow-x:auto}
th,td{border-bottom:1px solid #edf2f7;padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word;
word-break:normal;hyphens:none}
th{background:#f7fafc} .sev,.nowrap{white-space:nowrap} td.mono,code{font-family:ui-monospace,Menlo,monospace;font-size:12.5px}
.kv th{width:190px}
.verdict{display:inline-block;padding:4px 12px;border-radius:14px;font-weight:600}
.verdict.ok{background:#c6f6d5}.verdict.warning{background:#feebc8}.verdict.error{background:#fed7d7}
.sev{font-weight:600;border-radius:4px;padding:1px 6px}
.sev.error{background:#fed7d7;color:#9b2c2c}.sev.warning{background:#feebc8;color:#9c4221}.sev.info{background:#bee3f8;color:#2c5282}
.hint{color:#2f855a}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.chart{background:#fff;max-width:100%;height:auto}
.chart .grid{stroke:#edf2f7}.chart .axis{stroke:#a0aec0}.chart .mark{stroke:#dd6b20;stroke-dasharray:4 3}
.chart .tick{font-size:11px;fill:#4a5568}.chart .label{font-size:12px;fill:#2d3748}.chart .chart-title{font-size:13px;font-weight:600}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:14px}
figure{margin:0} .frame{position:relative;line-height:0} .frame img{width:100%;height:auto;display:block;border-radius:4px}
.frame svg{position:absolute;left:0;top:0;width:100%;height:100%}
figcaption{font-size:12px;color:#4a5568;margin-top:4px}
.checklist{list-style:none;padding:0} .checklist li{padding:6px 0;border-bottom:1px solid #edf2f7}
.state{font-size:12px;border-radius:4px;padding:1px 6px;margin-left:8px}
.state.passed{background:#c6f6d5}.state.warning{background:#feebc8}.state.error{background:#fed7d7}.state.undecided{background:#e2e8f0}
.sign{margin-top:14px}
"""


def render(review) -> str:
    result = review.result
    project = result.project
    title = _("Peer review: {network}", network=project.net_name)
    parts = [
        f'<!doctype html><html lang="{language()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>",
        _header(review, title),
    ]
    parts += [
        _glance(review),
        _findings(review),
        _changes(review),
        _numbers(review),
        _data(review),
        _gallery(review),
        _signoff(review),
    ]
    parts.append("</main></body></html>")
    return "".join(parts)


def _header(review, title: str) -> str:
    result = review.result
    errors, warnings = result.count("error"), result.count("warning")
    state = "error" if errors or result.fatal else "warning" if warnings else "ok"
    verdict = (
        _("the config does not parse")
        if result.fatal
        else _(
            "{errors} errors, {warnings} warnings, {infos} notes",
            errors=errors,
            warnings=warnings,
            infos=result.count("info"),
        )
    )
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        f'<header><h1>{breakable(title)}</h1><p class="sub">{breakable(result.project.config_path)} · '
        f'pipecheck {__version__} · {when}</p><p class="verdict {state}">{escape(verdict)}</p></header>'
    )


_LONG_TOKEN = re.compile(r"[^\s<>&]{20,}")


def breakable(text: str) -> str:
    """Escaped text whose long tokens (paths, dotted fields) may break after / . _ only, never inside a word.

    overflow-wrap:anywhere broke "Severity" and "PC402" in narrow columns; without it a long path would
    set the width of its column. <wbr> gives the table those break points and no others.
    """
    return _LONG_TOKEN.sub(lambda match: re.sub(r"([/._])", r"\1<wbr>", match.group(0)), escape(str(text)))


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(heading)}</h2>{body}</section>'


def _table(headers: list[str], rows: list[list[str]], css: str = "", raw_columns: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{cell if i in raw_columns else breakable(cell)}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f'<div class="wide"><table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _glance(review) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{breakable(v)}</td></tr>" for k, v in review.glance)
    return _section("glance", _("At a glance"), f'<table class="kv">{rows}</table>')


def _findings(review) -> str:
    result = review.result
    if not review.findings:
        return _section("findings", _("Findings"), f"<p>{escape(_('No finding.'))}</p>")
    rows = []
    for finding in review.findings:  # already sorted: errors first
        shown = (
            result.project.config_path.name
            if finding.file == result.project.config_path
            else result.project.display(finding.file)
        )
        where = f"{shown}:{finding.line}:{finding.column}"
        hint = _("fix: {hint}", hint=finding.hint) if finding.hint else ""
        message = breakable(finding.message) + (f'<br><span class="hint">{breakable(hint)}</span>' if hint else "")
        rows.append(
            [
                f'<span class="sev {escape(finding.severity)}">{escape(severity_word(finding.severity))}</span>',
                f'<span class="nowrap">{escape(finding.rule)}</span>',
                f'<code class="nowrap">{escape(where)}</code><br><code>{breakable(finding.field or "")}</code>',
                message,
            ]
        )
    table = _table([_("Severity"), _("Rule"), _("Where"), _("Message")], rows, "findings", raw_columns=(0, 1, 2, 3))
    return _section("findings", _("Findings"), table)


def _changes(review) -> str:
    result = review.result
    if result.original is None:
        return _section(
            "changes",
            _("Changes against the original"),
            f"<p>{escape(_('No original zoo config was found (use --original).'))}</p>",
        )
    rows = review.diff
    body = (
        _table(diff_headers(), [[str(c) for c in row] for row in diff_cells(rows)], "diff")
        if rows
        else f"<p>{escape(_('No change.'))}</p>"
    )
    caption = f"<p>{escape(result.project.display(result.original.path))}</p>"
    return _section("changes", _("Changes against the original"), caption + body)


def _numbers(review) -> str:
    rows = [[d.name, d.value, d.working] for d in review.derived]
    body = _table([_("Quantity"), _("Value"), _("Working")], rows, "derived") if rows else ""
    if review.learning_rate:
        body += (
            '<div class="charts">'
            + svg.line_chart(
                review.learning_rate,
                _("Learning rate over training"),
                _("step"),
                _("learning rate"),
                marks=review.learning_rate_marks,
            )
            + "</div>"
        )
    return _section("numbers", _("Derived numbers"), body or f"<p>{escape(_('Nothing to derive.'))}</p>")


def _data(review) -> str:
    charts = []
    if review.classes and review.class_counts:
        charts.append(svg.bar_chart(review.classes, review.class_counts, _("Boxes per class"), _("class"), _("boxes")))
    for reader, histogram in review.objects_per_image.items():
        charts.append(
            svg.bar_chart(
                [str(i) for i in range(len(histogram))],
                {reader: histogram},
                _("Objects per image: {reader}", reader=reader),
                _("objects"),
                _("images"),
                width=420,
            )
        )
    if review.box_pixels:
        charts.append(
            svg.scatter(review.box_pixels, _("Training boxes in the network's input (pixels)"), _("width"), _("height"))
        )
    body = (
        ('<div class="charts">' + "".join(charts) + "</div>")
        if charts
        else f"<p>{escape(_('No record could be read.'))}</p>"
    )
    return _section("data", _("The data"), body)


def _gallery(review) -> str:
    if not review.samples:
        return _section("gallery", _("Sample training images"), f"<p>{escape(_('No image to show.'))}</p>")
    figures = []
    for sample in review.samples:
        width, height = sample.width, sample.height
        font = max(10, width // 22)
        marks = []
        for ymin, xmin, ymax, xmax, label in sample.boxes:
            x, y, w, h = xmin * width, ymin * height, (xmax - xmin) * width, (ymax - ymin) * height
            marks.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
                f'stroke="#e53e3e" stroke-width="{max(2, width // 160)}"/>'
                f'<text x="{x + 2:.1f}" y="{max(font, y - 3):.1f}" font-size="{font}" fill="#e53e3e" '
                f'stroke="#fff" stroke-width="0.6" font-weight="700">{escape(label)}</text>'
            )
        overlay = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="none">{"".join(marks)}</svg>'
        )
        figures.append(
            f'<figure><div class="frame"><img alt="{escape(sample.name)}" width="{width}" '
            f'height="{height}" src="data:{sample.mime};base64,{sample.data}">{overlay}</div>'
            f"<figcaption>{escape(sample.name)} · "
            f"{escape(n_('{count} box', '{count} boxes', len(sample.boxes)))}</figcaption></figure>"
        )
    return _section("gallery", _("Sample training images"), '<div class="gallery">' + "".join(figures) + "</div>")


def _signoff(review) -> str:
    labels = {
        "passed": _("checked: passed"),
        "warning": _("checked: warnings"),
        "error": _("checked: errors"),
        "undecided": _("not checked"),
    }
    items = "".join(
        f'<li><label><input type="checkbox"> {escape(item)}</label>'
        f'<span class="state {status}">{escape(labels[status])}</span> '
        f"<code>{escape(' '.join(codes))}</code></li>"
        for item, status, codes in review.checklist
    )
    sign = (
        f'<p class="sign">{escape(_("Reviewed by"))}: ____________________ &nbsp; '
        f"{escape(_('Date'))}: ____________ &nbsp; {escape(_('Ready to train'))}: ☐</p>"
    )
    return _section("signoff", _("Sign-off"), f'<ul class="checklist">{items}</ul>{sign}')
