"""What a rule reports, and what a run of all rules produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    """One problem, with where it is and what to write instead.

    A rule usually gives `message`, `field` (the dotted path in pipeline.config) and `hint`;
    the engine fills in the rule, the severity, the file and the line:column of the field.
    Findings about another file (a label map, a record) give `file`, `line` and `column`.
    `replacement` is the value to write at `field`, when the rule knows it, and `remove` says
    the fix is to delete the field (both used by `pipecheck fix`).
    """

    message: str
    field: str | None = None
    hint: str | None = None
    severity: str | None = None
    file: Path | str | None = None
    line: int | None = None
    column: int | None = None
    replacement: str | None = None
    remove: bool = False
    rule: str = ""
    name: str = ""

    def sort_key(self) -> tuple:
        return (SEVERITIES.index(self.severity or "error"), str(self.file), self.line or 0, self.column or 0, self.rule)

    def as_json(self, relative_to: Path | None = None) -> dict:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "file": _display_path(self.file, relative_to),
            "line": self.line,
            "column": self.column,
            "field": self.field,
        }


def _display_path(path: Path | str | None, relative_to: Path | None) -> str | None:
    if path is None:
        return None
    path = Path(path)
    if relative_to is not None:
        try:
            return str(path.resolve().relative_to(relative_to.resolve()))
        except ValueError:
            pass
    return str(path)


@dataclass
class Outcome:
    """How one rule ended: "passed", "failed", "undecided" (with the reason) or "crashed"."""

    rule: object  # RuleSpec
    status: str
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
