"""`--format json`: one document on stdout, described by output.schema.json beside this file."""

from __future__ import annotations

import json
from pathlib import Path

from pipecheck.report.diff import DiffRow, collapsed, diff_rows
from pipecheck.version import __version__

SCHEMA_PATH = Path(__file__).with_name("output.schema.json")


def document(result) -> dict:
    project = result.project
    root = project.root
    statuses = result.statuses()
    return {
        "pipecheck": __version__,
        "root": str(root),
        "config": str(project.config_path),
        "original": str(result.original.path) if result.original is not None else None,
        "schema": result.schema.as_json() if result.schema is not None else None,
        "findings": [finding.as_json() for finding in result.findings],
        **_diff(result),
        "undecided": [{"rule": o.rule.code, "name": o.rule.name, "reason": o.reason} for o in result.undecided],
        "crashed": [{"rule": o.rule.code, "name": o.rule.name, "reason": o.reason} for o in result.crashed],
        "accepted": [{**a.finding.as_json(), "reason": a.reason} for a in result.accepted],
        "summary": {
            "errors": result.count("error"),
            "warnings": result.count("warning"),
            "infos": result.count("info"),
            "rules": len(result.outcomes),
            **statuses,
            "seconds": round(result.seconds, 4),
            "exit_code": result.exit_code,
            "partial": result.partial,
        },
    }


def _diff(result) -> dict:
    """The diff rows as the table shows them, and what it collapsed: a run of one repeated field longer
    than four rows keeps its first three, `diff_elided` counts the others (100,000 input_path entries
    are not 100,000 rows)."""
    rows = collapsed(diff_rows(result.config, result.original)) if result.config and not result.partial else []
    document = {"diff": [row.as_json() for row in rows if isinstance(row, DiffRow)]}
    elided = [{"field": row.field, "rows": row.count} for row in rows if not isinstance(row, DiffRow)]
    return document | ({"diff_elided": elided} if elided else {})


def render(result) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
