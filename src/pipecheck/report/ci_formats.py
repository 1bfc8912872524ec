"""Outputs for CI systems: SARIF 2.1.0, JUnit XML, GitHub workflow annotations, Markdown.

Each takes the results of one or more configs (pre-commit passes several files at once).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from xml.etree import ElementTree

from pipecheck.i18n import _, n_
from pipecheck.report.diff import diff_rows
from pipecheck.report.table import Code, markdown_table, md_code
from pipecheck.report.text import diff_cells, diff_headers, severity_word
from pipecheck.version import __version__

SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_RANK = {"error": 0, "warning": 1, "info": 2}


def _relative(path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def fingerprint(finding, root: Path) -> str:
    """Stable across runs and line moves: the rule, the file and the field (or the message)."""
    key = "\0".join([finding.rule, _relative(finding.file, root), finding.field or finding.message])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def sarif(results, catalogue) -> str:
    root = results[0].project.root
    rules = catalogue.rules
    index = {spec.code: i for i, spec in enumerate(rules)}
    driver_rules = [
        {
            "id": spec.code,
            "name": spec.name,
            "shortDescription": {"text": spec.summary},
            "fullDescription": {"text": spec.doc},
            "help": {"text": spec.doc, "markdown": spec.doc},
            "defaultConfiguration": {"level": SARIF_LEVELS[spec.severity]},
            "properties": {"category": spec.category, "tags": [spec.category], "fix": spec.fix or "none"},
        }
        for spec in rules
    ]
    sarif_results = []
    for result in results:
        for finding in result.findings:
            location = {
                "physicalLocation": {
                    "artifactLocation": {"uri": _relative(finding.file, root), "uriBaseId": "ROOT"},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
            if finding.field:
                location["logicalLocations"] = [{"fullyQualifiedName": finding.field, "kind": "member"}]
            entry = {
                "ruleId": finding.rule,
                "level": SARIF_LEVELS[finding.severity],
                "message": {
                    "text": finding.message + (f" ({_('fix: {hint}', hint=finding.hint)})" if finding.hint else "")
                },
                "locations": [location],
                "partialFingerprints": {"pipecheck/v1": fingerprint(finding, root)},
                "properties": {"tier": finding.tier, **({"group": finding.group} if finding.group else {})},
            }
            if finding.rule in index:
                entry["ruleIndex"] = index[finding.rule]
            sarif_results.append(entry)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                # no informationUri: https://pypi.org/project/pipecheck/ is an unrelated project's page
                "tool": {
                    "driver": {
                        "name": "pipecheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": driver_rules,
                    }
                },
                "originalUriBaseIds": {"ROOT": {"uri": root.resolve().as_uri() + "/"}},
                "invocations": [{"executionSuccessful": all(r.exit_code in (0, 1) for r in results)}],
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def junit(results) -> str:
    """One test case per rule, its verdict the run's own (outcome.status): the same as the text summary."""
    suites = ElementTree.Element("testsuites", name="pipecheck")
    for result in results:
        root = result.project.root
        suite = ElementTree.SubElement(suites, "testsuite", name=_relative(result.project.config_path, root))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for outcome in result.outcomes:
            spec = outcome.rule
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"pipecheck.{spec.category}",
                name=f"{spec.code} {spec.name}",
                time=f"{outcome.seconds:.4f}",
            )
            counts["tests"] += 1
            if outcome.status == "crashed":
                ElementTree.SubElement(case, "error", message=outcome.reason)
                counts["errors"] += 1
            elif outcome.status == "undecided":
                ElementTree.SubElement(case, "skipped", message=outcome.reason)
                counts["skipped"] += 1
            elif outcome.status == "failed":
                first = outcome.findings[0]
                ElementTree.SubElement(case, "failure", message=first.message, type=first.severity).text = _lines(
                    outcome.findings, root
                )
                counts["failures"] += 1
            elif outcome.findings:
                ElementTree.SubElement(case, "system-out").text = _lines(outcome.findings, root)
        for key, value in counts.items():
            suite.set(key, str(value))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def _lines(findings, root: Path) -> str:
    return "\n".join(
        f"{_relative(f.file, root)}:{f.line}:{f.column}: {f.rule} {f.severity} "
        f"{f.field + ': ' if f.field else ''}{f.message}"
        for f in findings
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(results) -> str:
    """Workflow commands (::error file=...,line=...::message), the most severe first."""
    findings = sorted(
        (f for r in results for f in r.findings if f.tier == "default"),  # what a reviewer must see
        key=lambda f: (_RANK[f.severity], str(f.file), f.line),
    )
    root = results[0].project.root
    lines = []
    for finding in findings:
        command = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        title = f"{finding.rule} {finding.name}"
        message = finding.message + (f" — {_('fix: {hint}', hint=finding.hint)}" if finding.hint else "")
        if finding.field:
            message = f"{finding.field}: {message}"
        lines.append(
            f"::{command} file={_escape_property(_relative(finding.file, root))},line={finding.line},"
            f"col={finding.column},title={_escape_property(title)}::{_escape_data(message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def markdown(results) -> str:
    parts = []
    for result in results:
        root = result.project.root
        counts = ", ".join(
            [
                n_("{count} error", "{count} errors", result.count("error")),
                n_("{count} warning", "{count} warnings", result.count("warning")),
                n_("{count} info", "{count} infos", result.count("info")),
            ]
        )
        parts.append(f"### pipecheck · {md_code(_relative(result.project.config_path, root))}\n\n**{counts}**\n")
        shown = [f for f in result.findings if f.tier == "default"]
        if shown:
            rows = [
                [
                    severity_word(f.severity),
                    f.rule,
                    Code(f"{_relative(f.file, root)}:{f.line}:{f.column}"),
                    Code(f.field) if f.field else "",
                    f.message,
                    f.hint or "",
                ]
                for f in shown
            ]
            parts.append(
                markdown_table([_("Severity"), _("Rule"), _("Where"), _("Field"), _("Message"), _("Fix")], rows) + "\n"
            )
        if result.config is not None and result.original is not None:
            rows = diff_rows(result.config, result.original)
            if rows:
                parts.append(
                    f"<details><summary>{_('Changes against the original ({count})', count=len(rows))}"
                    f"</summary>\n\n{markdown_table(diff_headers(), diff_cells(rows))}\n\n</details>\n"
                )
    return "\n".join(parts)
