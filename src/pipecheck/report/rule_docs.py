"""Rule documentation from the rules' docstrings: `pipecheck rules` (text or one Markdown page), `pipecheck rule CODE`.

The documentation site's page per rule is scripts/site_pages.py's, from the same docstrings.
"""

from __future__ import annotations

import re

from pipecheck.i18n import _
from pipecheck.report.table import Markup, markdown_table, text_table

_EXAMPLE = re.compile(r"^(Bad|Good|Undecided)(?: \(.*\))?:$")
_ENTRY = re.compile(r"\b([A-Z])-([0-9]{2})\b")
CATALOGUE = "docs/failure-catalogue.md"
# The documentation site's page of one rule (mkdocs.yml: one page per rule, use_directory_urls
# false, so `rules/PC101.html`): the language server's diagnostics and hovers link to it. The one
# place the site's address is written; the site has no published address yet (mkdocs.yml has no
# site_url), so this is where it goes when it has one.
DOCS_SITE = "https://pipecheck-tfod.readthedocs.io/en/latest"
RULE_PAGE = DOCS_SITE + "/rules/{code}.html"


def rule_page_url(code: str) -> str:
    return RULE_PAGE.format(code=code)


def catalogue_entries(doc: str) -> list[str]:
    """The failure-catalogue entries (`C-06`) a rule's `Catalogue:` line names."""
    line = next((line for line in doc.splitlines() if line.startswith("Catalogue:")), "")
    return [f"{letter}-{number}" for letter, number in _ENTRY.findall(line)]


def where_defined(spec) -> str:
    """`rules/label_map.py:9`: the rule's file (from the current folder when inside it) and line."""
    import os

    path, _sep, line = spec.origin.rpartition(":")
    try:
        relative = os.path.relpath(path)
    except ValueError:
        relative = path
    return f"{path if relative.startswith('..') else relative}:{line}"


def _columns(spec) -> list[str]:
    return [spec.code, spec.name, spec.severity, spec.category, spec.fix or "—"]


def _headers() -> list[str]:
    return [_("Code"), _("Name"), _("Severity"), _("Category"), _("Fix")]


def rules_table(rules) -> str:
    return text_table(_headers(), [_columns(spec) for spec in rules])


def rule_text(spec) -> str:
    from pipecheck.i18n import language

    head = f"{spec.code} {spec.name} · {spec.severity} · {spec.category}" + (f" · fix: {spec.fix}" if spec.fix else "")
    where = [_("defined at {place}", place=where_defined(spec))]
    entries = catalogue_entries(spec.doc)
    if entries:
        where.append(
            _(
                "catalogue entries {entries}: {file} in pipecheck's repository",
                entries=", ".join(entries),
                file=CATALOGUE,
            )
        )
    # A rule's docstring is its documentation and its tests' examples: it is written once, in English.
    note = (
        ""
        if language() == "en"
        else _("Rule documentation is in English only; the findings themselves are translated.") + "\n\n"
    )
    text = f"{head}\n{'=' * len(head)}\n" + "".join(f"({line})\n" for line in where) + f"\n{note}{spec.doc}\n"
    if spec.options:
        text += "\n" + _("Options, set in [tool.pipecheck.rule-options.{code}]:", code=spec.code) + "\n"
        text += "".join(f"    {line}\n" for line in _option_lines(spec, translate=True))
    return text


def _option_lines(spec, translate: bool) -> list[str]:
    """`max_hours = 24 (integer, > 0): the longest training...`, one line per option."""
    lines = []
    for name, schema in spec.options.items():
        bounds = [f"≥ {schema['minimum']}"] if "minimum" in schema else []
        bounds += [f"> {schema['exclusiveMinimum']}"] if "exclusiveMinimum" in schema else []
        bounds += [f"≤ {schema['maximum']}"] if "maximum" in schema else []
        kind = ", ".join([schema["type"], *bounds])
        description = _(schema["description"]) if translate else schema["description"]
        lines.append(f"{name} = {schema['default']!r} ({kind}): {description}")
    return lines


def rule_markdown(spec) -> str:
    lines = spec.doc.splitlines()
    out = [
        f"## {spec.code} {spec.name}",
        "",
        f"*{spec.severity}* · category `{spec.category}`" + (f" · fix: {spec.fix}" if spec.fix else ""),
        "",
        lines[0] if lines else "",
        "",
    ]
    block: list[str] | None = None
    for line in lines[1:]:
        if line.startswith("Catalogue:"):
            line = _ENTRY.sub(lambda m: f"[{m.group(0)}](failure-catalogue.md#{m.group(0).lower()})", line)
        if _EXAMPLE.match(line):
            if block is not None:
                out += ["```", *block, "```", ""]
            out.append(f"**{line}**")
            out.append("")
            block = []
        elif block is not None and line.startswith("    "):
            block.append(line[4:])
        else:
            if block is not None:
                out += ["```", *block, "```", ""]
                block = None
            out.append(line)
    if block is not None:
        out += ["```", *block, "```", ""]
    if spec.options:
        out += ["", f"**Options** (`[tool.pipecheck.rule-options.{spec.code}]`):", ""]
        out += [f"- `{line.split(' (', 1)[0]}` ({line.split(' (', 1)[1]}" for line in _option_lines(spec, False)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def rules_markdown(rules) -> str:
    """`pipecheck rules --format markdown`: a table of every rule, then each rule's documentation and examples."""
    intro = (
        "# pipecheck rules\n\nGenerated from the rules' docstrings by `pipecheck rules --format markdown`. "
        "Each rule's Bad and Good examples are edits applied to the course project (`examples/faces_cubes`) "
        "and run as tests.\n"
    )
    table = markdown_table(
        ["Code", "Name", "Severity", "Category", "Fix"],
        [
            [Markup(f"[{s.code}](#{s.code.lower()}-{s.name})"), s.name, s.severity, s.category, s.fix or "—"]
            for s in rules
        ],
    )
    return intro + "\n" + table + "\n\n" + "\n".join(rule_markdown(spec) for spec in rules)
