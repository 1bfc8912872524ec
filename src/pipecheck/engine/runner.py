"""Run the selected rules on one pipeline.config and collect what they found."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipecheck.engine.discovery import Catalogue, discover
from pipecheck.engine.findings import Finding, Outcome
from pipecheck.engine.fixtures import FatalInput, FixtureResolver
from pipecheck.engine.registry import CannotDecide, RuleSpec
from pipecheck.engine.settings import Settings, load_settings
from pipecheck.engine.suppressions import Suppressions
from pipecheck.i18n import _
from pipecheck.project import Project, discover_project


@dataclass
class RunOptions:
    target: Path
    root: Path | None = None
    original: Path | None = None
    models_dir: Path | None = None
    ram: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    strict: bool | None = None
    settings_file: Path | None = None
    plugins: bool = True
    config_text: str | None = None  # lint this text as the config's content (fixes not yet written)
    progress: Callable[[str, int, int], None] | None = None  # (label, done, total) for passes over big files


@dataclass
class RunResult:
    project: Project
    settings: Settings
    catalogue: Catalogue
    findings: list[Finding] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    config: object = None
    original: object = None
    schema: object = None
    fatal: bool = False
    seconds: float = 0.0
    resolver: FixtureResolver | None = None

    def fixture(self, name: str):
        """A fixture's value for reports, computed if no rule asked for it; None when it cannot be had."""
        if self.resolver is None or self.fatal:
            return None
        try:
            return self.resolver.get(name)
        except (CannotDecide, FatalInput):
            return None

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    @property
    def crashed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "crashed"]

    @property
    def exit_code(self) -> int:
        if self.fatal:
            return 2
        if self.crashed:
            return 3
        strict = self.settings.strict
        if self.count("error") or (strict and self.count("warning")):
            return 1
        return 0


def select_rules(rules: list[RuleSpec], select: list[str], ignore: list[str]) -> list[RuleSpec]:
    return [spec for spec in rules
            if any(spec.matches(s) for s in select) and not any(spec.matches(s) for s in ignore)]


def run(options: RunOptions) -> RunResult:
    started = time.perf_counter()
    project = discover_project(options.target, options.root, options.original)
    settings = load_settings(project.root, options.settings_file)
    if options.strict is not None:
        settings.strict = options.strict
    # rules_dirs run the checkout's own Python: --no-plugins turns them off with the entry points
    catalogue = discover(settings.rules_dirs if options.plugins else [], plugins=settings.plugins and options.plugins)
    resolver = FixtureResolver(catalogue.fixtures, {"project": project, "settings": settings, "options": options})
    for spec in catalogue.rules:
        resolver.check_rule(spec)
    selected = select_rules(catalogue.rules, options.select or settings.select, (options.ignore or []) + settings.ignore)
    result = RunResult(project, settings, catalogue, resolver=resolver)
    result.schema = resolver.get("schema")
    try:
        result.config = resolver.get("config")
    except FatalInput as fatal:
        result.findings = [fatal.finding]
        result.fatal = True
        result.seconds = time.perf_counter() - started
        return result
    result.original = resolver.get("original")
    for spec in selected:
        if spec.code in ("PC001", "PC002"):
            continue
        result.outcomes.append(_run_rule(spec, resolver, result.config, settings))
    result.findings = _unsuppressed(result, resolver, selected)
    result.findings.sort(key=Finding.sort_key)
    result.seconds = time.perf_counter() - started
    return result


def _run_rule(spec: RuleSpec, resolver: FixtureResolver, config, settings: Settings) -> Outcome:
    started = time.perf_counter()
    try:
        produced = resolver.call(spec)
        findings = [] if produced is None else [produced] if isinstance(produced, Finding) else list(produced)
    except CannotDecide as undecided:
        return Outcome(spec, "undecided", undecided.reason, seconds=time.perf_counter() - started)
    except FatalInput as fatal:
        return Outcome(spec, "undecided", fatal.finding.message, seconds=time.perf_counter() - started)
    except Exception as error:  # a broken rule is reported, not propagated
        import traceback

        where = traceback.extract_tb(error.__traceback__)[-1]
        reason = f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})"
        return Outcome(spec, "crashed", reason, seconds=time.perf_counter() - started)
    for finding in findings:
        _complete(finding, spec, config, settings)
    status = "failed" if findings else "passed"
    return Outcome(spec, status, findings=findings, seconds=time.perf_counter() - started)


def _complete(finding: Finding, spec: RuleSpec, config, settings: Settings) -> None:
    finding.rule, finding.name = spec.code, spec.name
    if finding.severity is None:
        finding.severity = settings.severity.get(spec.code) or settings.severity.get(spec.name) or spec.severity
    if finding.file is None:
        finding.file = config.path
    if finding.line is None:
        if Path(finding.file) == config.path and finding.field:
            finding.line, finding.column = config.location(finding.field)
        else:
            finding.line, finding.column = 1, 1
    if finding.column is None:
        finding.column = 1


def _unsuppressed(result: RunResult, resolver: FixtureResolver, selected: list[RuleSpec]) -> list[Finding]:
    suppressions = Suppressions()
    for located in _located_files(result, resolver):
        content_lines = {token.line for token in _all_tokens(located)}
        suppressions.add_file(located.path, located.comments, located.source.text.count("\n") + 1, content_lines)
    kept: list[Finding] = []
    for outcome in result.outcomes:
        for finding in outcome.findings:
            if not suppressions.suppresses(finding, outcome.rule):
                kept.append(finding)
    unused_rule = next((spec for spec in selected if spec.code == "PC002"), None)
    if unused_rule is not None:
        decided = {o.rule.code for o in result.outcomes if o.status in ("passed", "failed")}
        for item in suppressions.unused():
            covered = [spec for spec in result.catalogue.rules if any(spec.matches(s) for s in item.selectors)]
            if item.selectors and not all(spec.code in decided for spec in covered):
                continue
            finding = Finding(_("unused suppression {text!r}: no finding to suppress here", text=item.text),
                              file=item.file, line=item.comment_line, column=item.comment_column,
                              hint=_("remove the comment"))
            _complete(finding, unused_rule, result.config, result.settings)
            kept.append(finding)
    return kept


def _located_files(result: RunResult, resolver: FixtureResolver):
    yield result.config.located
    label_maps = resolver.values.get("label_maps")
    if isinstance(label_maps, dict):
        for loaded in label_maps.values():
            located = getattr(loaded, "located", None)
            if located is not None:
                yield located


def _all_tokens(located):
    def walk(fields):
        for node in fields:
            yield node.name_token
            for value in node.values:
                if hasattr(value, "tokens"):
                    yield from value.tokens
                else:
                    yield value.open
                    yield from walk(value.fields)
                    yield value.close

    if located.document is not None:
        yield from walk(located.document.fields)


__all__ = ["RunOptions", "RunResult", "run", "select_rules", "discover"]
