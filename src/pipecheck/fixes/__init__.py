"""Apply the fixes the rules know, in the config's text, until nothing more can be fixed.

A finding is fixable when its rule declares `fix="safe"` (or `"unsafe"`, with --unsafe) and
the finding carries a `replacement` value or `remove=True` for a field of the config. Fixes
run in rounds: setting label_map_path lets PC101 read the label map and fix num_classes in
the next round. A field is changed at most once, and two rules wanting different values for
one field leave it alone: that is for a person to choose.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from pipecheck.i18n import _

MAX_ROUNDS = 6


@dataclass
class Change:
    rule: str
    field: str
    line: int
    before: str | None  # None: the field was not written
    after: str | None  # None: the field was deleted


@dataclass
class Skipped:
    rule: str
    field: str
    reason: str


@dataclass
class FixOutcome:
    original_text: str
    text: str
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    result: object = None  # the RunResult of the final text

    @property
    def changed(self) -> bool:
        return self.text != self.original_text


def fix_config(options, unsafe: bool = False) -> FixOutcome:
    """Lint, apply the allowed fixes, lint again; return the fixed text and the final lint."""
    from pipecheck.engine.runner import run
    from pipecheck.textproto.edit import EditError

    result = run(options)
    if result.fatal:
        return FixOutcome("", "", result=result)
    first = result.config.located
    original = first.text  # exactly what was read and linted
    outcome = FixOutcome(original, original)
    done: set[str] = set()
    for _round in range(MAX_ROUNDS):
        wanted = _fixes_wanted(result, unsafe, outcome.skipped, done)
        if not wanted:
            break
        for field_path, (rule_code, value) in wanted.items():
            done.add(field_path)
            try:
                outcome.text, change = _apply(outcome.text, result, field_path, rule_code, value)
                change.line = first.location(field_path)[0]  # lines as the user sees them in the file
            except EditError as error:
                outcome.skipped.append(Skipped(rule_code, field_path, str(error)))
                continue
            outcome.changes.append(change)
        result = run(dataclasses.replace(options, config_text=outcome.text))
        if result.fatal:  # a fix that breaks the file is a bug; never hand that text back
            raise RuntimeError(f"fixes made {result.project.config_path} unparseable: {result.findings[0].message}")
    outcome.result = result
    outcome.changes.sort(key=lambda change: change.line)
    for finding in result.findings:
        if _fixable(finding, result) == "unsafe" and not unsafe and finding.field not in done:
            _note(outcome.skipped, finding.rule, finding.field, _("unsafe fix: run with --unsafe to apply it"))
    return outcome


def _fixable(finding, result) -> str | None:
    """ "safe" or "unsafe" when the finding carries a fix for a field of the config, else None."""
    if finding.field is None or (finding.replacement is None and not finding.remove):
        return None
    if finding.file is not None and str(finding.file) != str(result.project.config_path):
        return None
    return next((spec.fix for spec in result.catalogue.rules if spec.code == finding.rule), None)


def _fixes_wanted(result, unsafe: bool, skipped: list[Skipped], done: set[str]) -> dict[str, tuple[str, object]]:
    """{field: (rule, value or REMOVE)} for this round; rules that disagree go to `skipped`."""
    proposals: dict[str, dict[object, str]] = {}
    for finding in result.findings:
        kind = _fixable(finding, result)
        if kind is None or finding.field in done or (kind == "unsafe" and not unsafe):
            continue
        value = REMOVE if finding.remove else finding.replacement
        proposals.setdefault(finding.field, {}).setdefault(value, finding.rule)
    wanted = {}
    for field_path, by_value in proposals.items():
        if len(by_value) > 1:
            choices = ", ".join(f"{_shown(value)} ({rule_code})" for value, rule_code in by_value.items())
            _note(
                skipped,
                "/".join(by_value.values()),
                field_path,
                _("rules disagree ({choices}): choose by hand", choices=choices),
            )
            done.add(field_path)
            continue
        value, rule_code = next(iter(by_value.items()))
        wanted[field_path] = (rule_code, value)
    return wanted


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


REMOVE = _Remove()


def _shown(value) -> str:
    return _("delete") if value is REMOVE else str(value)


def _note(skipped: list[Skipped], rule_code: str, field_path: str, reason: str) -> None:
    if not any(s.field == field_path and s.rule == rule_code for s in skipped):
        skipped.append(Skipped(rule_code, field_path, reason))


def _apply(text: str, result, field_path: str, rule_code: str, value) -> tuple[str, Change]:
    from pipecheck.textproto import parse_located
    from pipecheck.textproto.edit import delete_field, set_value

    located = parse_located(result.project.config_path, text, result.schema.pipeline_class)
    written = located.locations.get(field_path)
    before = written.raw if written is not None else None
    if value is REMOVE:
        return delete_field(located, field_path), Change(rule_code, field_path, 0, before, None)
    return set_value(located, field_path, value), Change(rule_code, field_path, 0, before, value)
