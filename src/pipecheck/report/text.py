"""The default, pytest-like terminal report: findings, the diff table, one summary line."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

from pipecheck.i18n import N_, _, n_
from pipecheck.report.diff import DiffRow, collapsed, diff_rows
from pipecheck.report.table import display_width, shorten_middle, terminal_width, text_table
from pipecheck.report.terminal import control
from pipecheck.version import __version__

_COLORS = {
    "error": "31;1",
    "warning": "33;1",
    "info": "36",
    "passed": "32",
    "summary-bad": "31;1",
    "summary-good": "32;1",
    "summary-warn": "33;1",
    "dim": "2",
}


class Style:
    """Colours on a terminal that shows them: not with NO_COLOR, not with TERM=dumb (Emacs' shell, ed)."""

    def __init__(self, stream):
        self.enabled = (
            hasattr(stream, "isatty")
            and stream.isatty()
            and "NO_COLOR" not in os.environ
            and os.environ.get("TERM") != "dumb"
        )

    def __call__(self, text: str, role: str) -> str:
        if not self.enabled or role not in _COLORS:
            return text
        return control(f"\x1b[{_COLORS[role]}m") + text + control("\x1b[0m")


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
    width = terminal_width(stream)
    lines = header_lines(result, style, width, verbose)
    lines.append("")
    lines.extend(findings_lines(result.findings, style, width, verbose))
    undecided = [o for o in result.outcomes if o.ended != "ran"]  # undecided or crashed
    if undecided:
        lines.append("")
        lines.extend(undecided_lines(undecided, style, width, verbose))
    if verbose:
        for outcome in result.outcomes:
            if outcome.status == "passed":
                lines.append(
                    style(
                        _(
                            "{code} {name}: passed ({ms:.1f} ms)",
                            code=outcome.rule.code,
                            name=outcome.rule.name,
                            ms=outcome.seconds * 1000,
                        ),
                        "passed",
                    )
                )
    if show_diff and result.config is not None and result.original is not None and not result.partial:
        lines.append("")
        lines.extend(diff_table_lines(result, width))
    lines.append("")
    lines.append(summary_line(result, style, verbose, width))
    return "\n".join(lines) + "\n"


def header_lines(result, style, width: int, verbose: bool) -> list[str]:
    """The config, the launch root and the original: one line when it fits, else two; -v adds the schema and the notes.

    The schema is shown without -v too when it is not the installed OD API (a checkout, --models-dir).
    """
    project = result.project
    originals = [""]
    if result.config is not None and result.original is not None:
        originals = [" · " + _("original {path}", path=project.display(result.original.path))]
    elif result.config is not None:
        originals = [
            " · " + _("original not found (--original PATH for the diff table)"),
            " · " + _("original not found (--original PATH)"),
            " · " + _("original not found"),
        ]
    roots = [
        _("root {root}  ({layout})", root=shown_path(project.root), layout=_(project.layout)),
        _("root {root}", root=shown_path(project.root)),
    ]
    first = f" · {shown_path(project.config_path)}"
    one = next(
        (
            root + original
            for original in originals
            for root in roots
            if display_width(f"pipecheck {__version__}{first} · {root}{original}") <= width
        ),
        None,
    )
    if one is not None:  # all on one line when the terminal is wide enough
        lines = [style(f"pipecheck {__version__}", "dim") + f"{first} · {one}"]
    else:
        variants = [root + originals[0] for root in roots]
        second = next((v for v in variants if display_width(v) <= width), shorten_middle(variants[-1], width))
        lines = [style(f"pipecheck {__version__}", "dim") + first, second]
    schema = result.schema
    if schema is not None and (verbose or getattr(schema, "kind", "installed") != "installed"):
        lines.append(shorten_middle(_("schema    {schema}", schema=schema.describe()), width))
    for note in project.notes if verbose else []:
        lines.extend(
            style(line, "dim")
            for line in textwrap.wrap(
                _("note      {note}", note=note), width, subsequent_indent=" " * 10, break_long_words=False
            )
        )
    return lines


def details_of(lead, shown) -> list:
    """The findings a leading finding groups: its consequences (and, for a cause, the other findings of it)."""
    if not lead.details:
        return []
    return [d for d in shown if d is not lead and d.group == lead.rule and d.cause == lead.cause]


def top_level(shown) -> list:
    """Shown findings that are not printed under a shown lead."""
    grouped = {id(d) for lead in shown for d in details_of(lead, shown)}
    return [f for f in shown if id(f) not in grouped]


def findings_lines(findings, style, width: int, verbose: bool) -> list[str]:
    """What needs a person, each leading finding followed by its details (one line each but with -v);
    one line for the quiet tier."""
    shown = [f for f in findings if verbose or f.tier == "default"]
    lines = []
    for finding in top_level(shown):
        lines.extend(finding_lines(finding, style, width, verbose))
        for detail in details_of(finding, shown):
            if verbose:
                lines.extend("    " + line for line in finding_lines(detail, style, width - 4, verbose))
            else:
                lines.append(detail_line(detail, finding, style, width))
    quiet = [f for f in findings if f.tier == "quiet" and not verbose]
    if quiet:
        every = list(dict.fromkeys(f.field.rsplit(".", 1)[-1] for f in quiet if f.field))
        fixable = all(f.remove or f.replacement is not None for f in quiet)
        for kept in range(len(every), 0, -1):  # as many names as fit on the line
            names = ", ".join(every[:kept]) + (", …" if kept < len(every) else "")
            text = (
                n_(
                    "{count} setting TF2 ignores ({names}): pipecheck fix removes it",
                    "{count} settings TF2 ignores ({names}): pipecheck fix removes them",
                    len(quiet),
                    names=names,
                )
                if fixable
                else n_(
                    "{count} setting TF2 ignores ({names}); `-v` lists it",
                    "{count} settings TF2 ignores ({names}); `-v` lists them",
                    len(quiet),
                    names=names,
                )
            )
            if display_width(text) <= width:
                break
        lines.append(style(_one_line(text, width), "dim"))  # -v lists them, the summary says how many
    return lines


def _one_line(text: str, width: int) -> str:
    """`text` cut to the terminal's width with an ellipsis."""
    if display_width(text) <= width:
        return text
    return text[: max(width - 1, 20)].rstrip() + "…"


def detail_line(detail, lead, style, width: int) -> str:
    """One line under its lead: where, the rule, the message cut to the terminal (JSON and -v keep it whole)."""
    same_file = str(detail.file) == str(lead.file)
    where = _("line {line}:", line=detail.line) if same_file else f"{shown_path(detail.file)}:{detail.line}:"
    text = _one_line(f"    {where} {detail.rule} {detail.message}", width)
    return text.replace(f" {detail.rule} ", f" {style(detail.rule, detail.severity)} ", 1)


def undecided_lines(outcomes, style, width: int, verbose: bool) -> list[str]:
    """Rules that crashed, one line each; those that could not decide, one line in all (-v: one per rule)."""
    lines, reasons = [], {}
    for outcome in outcomes:
        values = {"code": outcome.rule.code, "name": outcome.rule.name, "reason": outcome.reason}
        if outcome.status == "crashed":
            lines.append(style(_("{code} {name}: crashed: {reason}", **values), "error"))
        elif verbose:
            lines.append(style(_("{code} {name}: could not decide: {reason}", **values), "dim"))
        else:
            reasons.setdefault(outcome.reason, []).append(outcome.rule.code)
    codes = sorted(code for group in reasons.values() for code in group)
    if not codes:
        return lines
    if len(reasons) == 1:
        text = (
            _("{code} could not decide: {reason}", code=codes[0], reason=next(iter(reasons)))
            if len(codes) == 1
            else _(
                "{count} rules could not decide ({codes}): {reason}",
                count=len(codes),
                codes=_code_range(codes),
                reason=next(iter(reasons)),
            )
        )
    else:
        text = _(
            "{count} rules could not decide ({codes}); -v gives each reason", count=len(codes), codes=_code_range(codes)
        )
    lines.append(style(_one_line(text, width), "dim"))
    return lines


def _code_range(codes: list[str]) -> str:
    return ", ".join(codes) if len(codes) <= 3 else f"{codes[0]}…{codes[-1]}"


def finding_lines(finding, style, width: int = 100, verbose: bool = False) -> list[str]:
    """`file:line:col: RULE severity field: message`, wrapped to `width` under a 4-space indent.

    The location stays whole at the start (editors jump to it) and the message follows on its
    line; a word of the message too long for a line (a path, a pasted value) is shortened in the
    middle, and so is a long dotted field path to its last two names (-v: whole). JSON and the
    review keep the text whole.
    """
    where = f"{shown_path(finding.file)}:{finding.line}:{finding.column}:"
    word = severity_word(finding.severity)
    field = _shown_field(finding, verbose)
    head = f"{where} {finding.rule} {word}"
    longest = max(width - 8, 20)
    message = " ".join(shorten_middle(part, longest) for part in finding.message.split(" "))
    wrap = textwrap.TextWrapper(
        width=width, initial_indent="", subsequent_indent="    ", break_long_words=False, break_on_hyphens=False
    )
    glued = head.replace(" ", "\u00a0")  # the location, the rule and the severity stay on the first line
    message = re.sub(r" (?=[;:?!»])", "\u00a0", message)  # French spaces before ; : ? ! never start a line
    lines = [line.replace("\u00a0", " ") for line in wrap.wrap(f"{glued}{field} {message}")]
    lines[0] = lines[0].replace(f" {finding.rule} {word}", f" {finding.rule} {style(word, finding.severity)}", 1)
    if finding.hint:
        hint = " ".join(shorten_middle(part, longest) for part in finding.hint.split(" "))
        hint = re.sub(r" (?=[;:?!»])", "\u00a0", hint)
        lines += [
            line.replace("\u00a0", " ")
            for line in textwrap.TextWrapper(
                width=width,
                initial_indent="    ",
                subsequent_indent="         ",
                break_long_words=False,
                break_on_hyphens=False,
            ).wrap(_("fix: {hint}", hint=hint))
        ]
    return lines


def _shown_field(finding, verbose: bool) -> str:
    """` name:` before the message: the field's last name, or nothing when the message names it (-v: the dotted path).

    The line and column already point at the field; the dotted path stays in -v, the JSON and the review.
    """
    if not finding.field:
        return ""
    if verbose or finding.line is None:
        return f" {finding.field}:"
    last = finding.field.rsplit(".", 1)[-1]
    if re.search(rf"(?<!\w){re.escape(last.split('[')[0])}(?!\w)", finding.message):
        return ""
    return f" {last}:"


SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


def severity_word(severity: str) -> str:
    return _(SEVERITY_WORDS.get(severity, severity))


DIFF_HEADERS = [N_("Line (original)"), N_("Line"), N_("Parameter"), N_("Description"), N_("Initial value"), N_("Value")]


def diff_headers() -> list[str]:
    return [_(header) for header in DIFF_HEADERS]


def diff_cells(rows) -> list[list[object]]:
    """Table cells for the diff rows, a long run of one repeated field collapsed (report.diff.collapsed)."""
    return [
        [
            row.original_line or "",
            row.line or "",
            row.parameter,
            row.description,
            row.original if row.original is not None else _("(absent)"),
            row.value if row.value is not None else _("(removed)"),
        ]
        if isinstance(row, DiffRow)
        else ["…", "…", row.parameter, "", "", _("{count} more, not listed", count=row.count)]
        for row in collapsed(rows)
    ]


def diff_table_lines(result, width: int | None = None) -> list[str]:
    rows = diff_rows(result.config, result.original)
    path = result.project.display(result.original.path)
    if not rows:
        return [_("Changes against {path}: none", path=path)]
    return [
        _("Changes against {path} ({count}):", path=path, count=len(rows)),
        text_table(diff_headers(), diff_cells(rows), width=width, optional=(3,)),
    ]


def summary_line(result, style, verbose: bool = False, width: int = 1000) -> str:
    """`== 1 error, 4 warnings, 1 info (6 more with -v) · 91 rules: 90 passed, 1 failed · 0.15s ==`.

    The counts are of the findings printed above; those of the quiet and detail tiers are one
    number, with how to see them. A rule failed when it found an error (or a warning with
    --strict), as in pytest --pipecheck and JUnit; warnings and infos do not fail a rule.
    """
    visible = [f for f in result.findings if verbose or f.tier == "default"]
    shown = top_level(visible)  # a lead and its details are one cause
    if result.fatal and result.config is None:
        counts = _("1 error: the config does not parse")
    else:
        counts = ", ".join(
            [
                n_("{count} error", "{count} errors", sum(f.severity == "error" for f in shown)),
                n_("{count} warning", "{count} warnings", sum(f.severity == "warning" for f in shown)),
                n_("{count} info", "{count} infos", sum(f.severity == "info" for f in shown)),
            ]
        )
        hidden = len(result.findings) - len(visible)
        if hidden:
            counts += " " + n_("({count} more with -v)", "({count} more with -v)", hidden)
    if result.partial:
        syntax = sum(1 for f in result.findings if f.rule == "PC001")
        counts += " · " + n_(
            "partial: {count} syntax error, the rules ran on the fields that parsed",
            "partial: {count} syntax errors, the rules ran on the fields that parsed",
            syntax,
        )
    rules = ", ".join(status_text(status, n) for status, n in result.statuses().items() if n)
    count = n_("{count} rule", "{count} rules", len(result.outcomes))
    ran = _("{rules_ran}: {statuses}", rules_ran=count, statuses=rules) if rules else count
    # on a narrow terminal the time goes first, then the rules' breakdown
    variants = [f"== {counts} · {ran} · {result.seconds:.2f}s ==", f"== {counts} · {ran} ==", f"== {counts} =="]
    text = next((v for v in variants if display_width(v) <= width), variants[-1])
    role = "summary-bad" if result.exit_code else ("summary-warn" if result.count("warning") else "summary-good")
    return style(text, role)


def status_text(status: str, count: int) -> str:
    if status == "passed":
        return n_("{count} passed", "{count} passed", count)
    if status == "failed":
        return n_("{count} failed", "{count} failed", count)
    if status == "undecided":
        return n_("{count} undecided", "{count} undecided", count)
    return n_("{count} crashed", "{count} crashed", count)
