"""Run the selected rules on one pipeline.config and collect what they found."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipecheck.engine.discovery import discover
from pipecheck.engine.findings import Finding, Outcome
from pipecheck.engine.fixtures import FatalInput, FixtureResolver
from pipecheck.engine.registry import CannotDecide, RuleSpec
from pipecheck.engine.result import RunResult
from pipecheck.engine.settings import Settings, check_rule_options, load_settings
from pipecheck.engine.suppressions import Suppressions
from pipecheck.i18n import _
from pipecheck.project import discover_project


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
    baseline: list[dict] | None = None  # findings accepted by a baseline file (engine.baseline)
    distribution: object = None  # pipecheck.odapi.distribution.Distribution from --gpus/--num-workers/--tpu/--replicas
    unsaved: dict[Path, str] | None = None  # an editor's unsaved text of other files (label maps), by path


def split_selectors(values: list[str] | None) -> list[str] | None:
    """--select/--ignore values as rule selectors: each may hold several, comma-separated."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_rules(rules: list[RuleSpec], select: list[str], ignore: list[str]) -> list[RuleSpec]:
    return [spec for spec in rules if any(spec.matches(s) for s in select) and not any(spec.matches(s) for s in ignore)]


def run(options: RunOptions) -> RunResult:
    started = time.perf_counter()
    project = discover_project(options.target, options.root, options.original, unsaved=options.config_text is not None)
    settings = load_settings(project.root, options.settings_file)
    if options.strict is not None:
        settings.strict = options.strict
    # rules_dirs run the checkout's own Python: --no-plugins turns them off with the entry points
    catalogue = discover(settings.rules_dirs if options.plugins else [], plugins=settings.plugins and options.plugins)
    check_rule_options(settings, catalogue.rules, every_rule_loaded=settings.plugins and options.plugins)
    resolver = FixtureResolver(catalogue.fixtures, {"project": project, "settings": settings, "options": options})
    for spec in catalogue.rules:
        resolver.check_rule(spec)
    selected = select_rules(
        catalogue.rules, options.select or settings.select, (options.ignore or []) + settings.ignore
    )
    result = RunResult(project, settings, catalogue, resolver=resolver)
    result.schema = resolver.get("schema")
    syntax_rule = next((spec for spec in catalogue.rules if spec.meta == "syntax"), None)
    try:
        result.config = resolver.get("config")
    except FatalInput as fatal:
        fatal.finding.rule, fatal.finding.name = (syntax_rule.code, syntax_rule.name) if syntax_rule else ("", "")
        result.fatal = True
        if syntax_rule is not None:
            result.add_outcome(Outcome(syntax_rule, "ran"), [fatal.finding])
        else:
            result.findings.append(fatal.finding)
        result.seconds = time.perf_counter() - started
        return result
    syntax_errors = _syntax_findings(result, syntax_rule)
    result.original = resolver.get("original")
    for spec in selected:
        if spec.meta:
            continue
        outcome, findings = _run_rule(spec, resolver, result.config, settings)
        result.add_outcome(outcome, findings)
    if syntax_rule in selected or syntax_errors:
        result.add_outcome(Outcome(syntax_rule, "ran"), syntax_errors)
    _accept_suppressed(result, resolver, selected)
    if options.baseline is not None:
        from pipecheck.engine.baseline import accepted_by

        result.accept("baseline", accepted_by(options.baseline, result))
    _tiers_and_groups(result, options.select or settings.select)
    result.findings.sort(key=Finding.sort_key)
    result.outcomes.sort(key=lambda outcome: outcome.rule.code)
    result.seconds = time.perf_counter() - started
    return result


def _syntax_findings(result: RunResult, syntax_rule) -> list[Finding]:
    """PC001 once per syntax error the recovering parse collected; the run goes on, partial."""
    from pipecheck.engine.builtin_fixtures import syntax_finding

    findings = []
    for error in result.config.located.errors:
        finding = syntax_finding(result.config.path, error)
        finding.rule, finding.name = (syntax_rule.code, syntax_rule.name) if syntax_rule else ("", "")
        findings.append(finding)
    if findings:
        result.fatal = True
        if syntax_rule is None:
            result.findings.extend(findings)
            return []
    return findings


def _tiers_and_groups(result: RunResult, select: list[str]) -> None:
    """Quiet findings of a rule selected by name are shown; a leading finding's details join its group."""
    explicit = [s for s in select if s != "ALL"]
    specs = {spec.code: spec for spec in result.catalogue.rules}
    leads = {code: finding.rule for finding in result.findings for code in finding.details}
    for finding in result.findings:
        spec = specs.get(finding.rule)
        if finding.tier == "quiet" and spec is not None and any(spec.matches(s) for s in explicit):
            finding.tier = "default"
        if finding.rule in leads and finding.group is None and finding.cause is None:
            finding.group = leads[finding.rule]
    _one_finding_per_cause(result.findings)


def _one_finding_per_cause(findings: list[Finding]) -> None:
    """Findings naming the same cause: the first shown (most severe, then in file order) leads, the rest are its
    details, those -v shows included (they are printed under the lead, never beside it as a cause of their own)."""
    causes: dict[tuple, list[Finding]] = {}
    for finding in findings:
        if finding.cause is not None and finding.group is None and finding.tier in ("default", "detail"):
            causes.setdefault((finding.cause, str(finding.file)), []).append(finding)
    for same in causes.values():
        ordered = sorted(same, key=Finding.sort_key)
        lead = next((f for f in ordered if f.tier == "default"), None)
        if len(same) < 2 or lead is None:
            continue
        rest = [f for f in ordered if f is not lead]
        lead.details = tuple(dict.fromkeys([*lead.details, *(f.rule for f in rest)]))
        for finding in rest:
            finding.group = lead.rule


def _run_rule(spec: RuleSpec, resolver: FixtureResolver, config, settings: Settings) -> tuple[Outcome, list]:
    started = time.perf_counter()
    try:
        produced = resolver.call(spec)
        findings = [] if produced is None else [produced] if isinstance(produced, Finding) else list(produced)
    except CannotDecide as undecided:
        return Outcome(spec, "undecided", undecided.reason, seconds=time.perf_counter() - started), []
    except FatalInput as fatal:
        return Outcome(spec, "undecided", fatal.finding.message, seconds=time.perf_counter() - started), []
    except Exception as error:  # a broken rule is reported, not propagated
        import traceback

        where = traceback.extract_tb(error.__traceback__)[-1]
        reason = f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})"
        return Outcome(spec, "crashed", reason, seconds=time.perf_counter() - started), []
    kept = [f for f in findings if not _on_lost_field(f, config)]
    if len(kept) < len(findings):  # decided on a field a syntax error lost: what the author wrote is unknown
        lost, findings = next(f for f in findings if _on_lost_field(f, config)), kept
        if not findings:
            reason = _("{field} did not parse", field=lost.field)
            return Outcome(spec, "undecided", reason, seconds=time.perf_counter() - started), []
    for finding in findings:
        _complete(finding, spec, config, settings)
    return Outcome(spec, "ran", seconds=time.perf_counter() - started), findings


def _on_lost_field(finding: Finding, config) -> bool:
    mine = finding.file is None or Path(finding.file) == config.path
    return mine and config.located.is_damaged(finding.field)


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


def _accept_suppressed(result: RunResult, resolver: FixtureResolver, selected: list[RuleSpec]) -> None:
    """Suppression comments accept the findings they cover; those that cover none are PC002's findings."""
    suppressions = Suppressions()
    for located in _located_files(result, resolver):
        content_lines = _content_lines(located)
        suppressions.add_file(located.path, located.comments, located.source.text.count("\n") + 1, content_lines)
    specs = {spec.code: spec for spec in result.catalogue.rules}
    result.accept("suppressed", lambda finding: suppressions.suppresses(finding, specs[finding.rule]))
    unused_rule = next((spec for spec in selected if spec.meta == "suppressions"), None)
    if unused_rule is None:
        return
    decided = {o.rule.code for o in result.outcomes if o.ended == "ran"}
    unused, all_decided = [], {}  # selectors -> whether every rule they cover ran: asked once per spelling
    hint = _("remove the comment")
    for item in suppressions.unused():
        if item.selectors not in all_decided:
            covered = [spec for spec in result.catalogue.rules if any(spec.matches(s) for s in item.selectors)]
            all_decided[item.selectors] = all(spec.code in decided for spec in covered)
        if item.selectors and not all_decided[item.selectors]:
            continue
        finding = Finding(
            _("unused suppression {text!r}: no finding to suppress here", text=item.text),
            file=item.file,
            line=item.comment_line,
            column=item.comment_column,
            hint=hint,
        )
        _complete(finding, unused_rule, result.config, result.settings)
        unused.append(finding)
    result.add_outcome(Outcome(unused_rule, "ran"), unused)


def _located_files(result: RunResult, resolver: FixtureResolver):
    yield result.config.located
    label_maps = resolver.values.get("label_maps")
    if isinstance(label_maps, dict):
        for loaded in label_maps.values():
            located = getattr(loaded, "located", None)
            if located is not None:
                yield located


def _content_lines(located) -> set[int]:
    """The lines holding a field's name, a value, or a block's braces (a set filled in one walk, not a
    generator of 300,000 tokens for a config of 100,000 paths)."""
    lines: set[int] = set()

    def walk(fields) -> None:
        for node in fields:
            lines.add(node.name_token.line)
            for value in node.values:
                if hasattr(value, "tokens"):
                    for token in value.tokens:
                        lines.add(token.line)
                else:
                    lines.add(value.open.line)
                    walk(value.fields)
                    if value.close is not None:
                        lines.add(value.close.line)

    if located.document is not None:
        walk(located.document.fields)
    return lines


__all__ = ["RunOptions", "RunResult", "run", "select_rules", "discover"]
