"""What a run of the rules produced: one store of findings that every report reads.

Rules add their findings once. The run then accepts some of them, once, for every reader:
suppression comments and the baseline move a finding out of `findings` into `accepted`
(with the reason); severity overrides were applied when the finding was made. Text, JSON,
SARIF, JUnit, GitHub, Markdown, the review page and the pytest plugin all read `findings`
and the outcomes, whose status is derived from the same store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipecheck.engine.findings import Finding, Outcome, fails
from pipecheck.engine.fixtures import FatalInput, FixtureResolver
from pipecheck.engine.registry import CannotDecide


@dataclass
class Accepted:
    finding: Finding
    reason: str  # "suppressed" (a comment) or "baseline"


class FindingStore:
    """The findings of a run, which its outcomes read.

    Apart from the RunResult so that no cycle holds the parsed config: outcomes pointing back at
    the result would leave 100,000 paths' million objects to the cyclic collector (a third of a
    second walking them) instead of reference counting.
    """

    def __init__(self, settings) -> None:
        self.findings: list[Finding] = []
        self.settings = settings

    @property
    def strict(self) -> bool:
        return bool(self.settings.strict)

    def findings_of(self, code: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule == code]


@dataclass
class RunResult:
    project: object
    settings: object
    catalogue: object
    accepted: list[Accepted] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    config: object = None
    original: object = None
    schema: object = None
    fatal: bool = False  # the config does not parse; with `config` set, the rules ran on the parts that did
    seconds: float = 0.0
    resolver: FixtureResolver | None = None
    store: FindingStore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.store = FindingStore(self.settings)

    @property
    def findings(self) -> list[Finding]:
        return self.store.findings

    @findings.setter
    def findings(self, findings: list[Finding]) -> None:
        self.store.findings = findings

    @property
    def partial(self) -> bool:
        """The config has syntax errors, and the rules ran on the fields that parsed."""
        return self.fatal and self.config is not None

    @property
    def strict(self) -> bool:
        return self.store.strict

    def add_outcome(self, outcome: Outcome, findings: list[Finding]) -> None:
        outcome.store = self.store
        self.outcomes.append(outcome)
        self.findings.extend(findings)

    def accept(self, reason: str, accepts) -> int:
        """Move the findings `accepts(finding)` says yes to out of the store; how many moved."""
        kept = []
        for finding in self.findings:
            if accepts(finding):
                self.accepted.append(Accepted(finding, reason))
            else:
                kept.append(finding)
        moved = len(self.findings) - len(kept)
        self.findings = kept
        return moved

    def fixture(self, name: str):
        """A fixture's value for reports, computed if no rule asked for it; None when it cannot be had."""
        if self.resolver is None or self.config is None:
            return None
        try:
            return self.resolver.get(name)
        except (CannotDecide, FatalInput):
            return None

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def statuses(self) -> dict[str, int]:
        """How many rules passed, failed, could not decide, crashed (the same words everywhere).

        One pass over the findings: each outcome's `status` reads them all, and 110 rules over the
        50,000 findings of 50,000 unused suppressions would be five million reads.
        """
        failing = {finding.rule for finding in self.findings if fails(finding, self.strict)}
        counts = {"passed": 0, "failed": 0, "undecided": 0, "crashed": 0}
        for outcome in self.outcomes:
            if outcome.ended != "ran":
                counts[outcome.ended] += 1
            else:
                counts["failed" if outcome.rule.code in failing else "passed"] += 1
        return counts

    # A rule's status is "undecided" or "crashed" exactly when it ended so: no need to read its findings.
    @property
    def crashed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.ended == "crashed"]

    @property
    def undecided(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.ended == "undecided"]

    @property
    def exit_code(self) -> int:
        if self.fatal:
            return 2
        if self.crashed:
            return 3
        if self.count("error") or (self.strict and self.count("warning")):
            return 1
        return 0
