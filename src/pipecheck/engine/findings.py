"""What a rule reports, and how each rule's run ended."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("error", "warning", "info")
TIERS = ("default", "quiet", "detail")


@dataclass
class Finding:
    """One problem, with where it is and what to write instead.

    A rule usually gives `message`, `field` (the dotted path in pipeline.config) and `hint`;
    the engine fills in the rule, the severity, the file and the line:column of the field.
    Findings about another file (a label map, a record) give `file`, `line` and `column`.
    `replacement` is the value to write at `field`, when the rule knows it, and `remove` says
    the fix is to delete the field (both used by `pipecheck fix`). `related` names places that
    explain it, as (file, line, column, note): the label map item behind a num_classes finding
    (an editor shows them beside the finding).

    `tier` says who needs to see it: "default" (shown by default: a person must act), "quiet" (a setting TF2 never
    reads: counted in one line, listed with -v or --select, applied by fix) or "detail" (numbers
    that say all is well: -v, the JSON and the review). A leading finding names in `details` the
    rules whose findings are its consequences; the run gives those findings its code as `group`.
    Findings of one `cause` (any rule: "schedule", "folder:data/train") are one finding too: the
    run makes the first (most severe, then in file order) the lead and the others its details.
    `elided` counts the details a rule did not list (100,000 absent records are one finding and a
    few examples): the JSON says how many, nothing is dropped without a word.
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
    tier: str = "default"
    details: tuple[str, ...] = ()
    group: str | None = None
    related: tuple[tuple[Path | str, int, int, str], ...] = ()
    cause: str | None = None
    elided: int = 0

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
            "tier": self.tier,
            "group": self.group,
            "cause": self.cause,
        } | ({"elided": self.elided} if self.elided else {})


def _display_path(path: Path | str | None, relative_to: Path | None) -> str | None:
    if path is None:
        return None
    if relative_to is None and isinstance(path, Path):
        return str(path)  # a Path keeps its text: 50,000 findings need not parse it again
    path = Path(path)
    if relative_to is not None:
        try:
            return str(path.resolve().relative_to(relative_to.resolve()))
        except ValueError:
            pass
    return str(path)


@dataclass
class Outcome:
    """How one rule ended. `ended` is "ran", "undecided" (with the reason) or "crashed".

    A rule's findings live in one place, its run's store (`RunResult.store`, after
    suppressions, the baseline and severity overrides); `findings` and `status` read them there,
    so no report can see a finding the user suppressed.
    """

    rule: object  # RuleSpec
    ended: str
    reason: str = ""
    seconds: float = 0.0
    store: object = None  # the run's FindingStore

    @property
    def findings(self) -> list[Finding]:
        return self.store.findings_of(self.rule.code) if self.store is not None else []

    @property
    def status(self) -> str:
        """ "passed", "failed" (an error, or a warning with strict), "undecided" or "crashed"."""
        if self.ended != "ran":
            return self.ended
        strict = self.store is not None and self.store.strict
        return "failed" if any(fails(f, strict) for f in self.findings) else "passed"


def fails(finding: Finding, strict: bool) -> bool:
    """An error fails its rule; a warning too, with strict."""
    return finding.severity == "error" or (strict and finding.severity == "warning")
