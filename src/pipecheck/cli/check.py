"""`pipecheck check PATH...`: lint, then report in the chosen format."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

from pipecheck.cli.common import add_project_options, add_selection_options, apply_settings_language, run_options
from pipecheck.cli.distribute import add_strategy_options
from pipecheck.i18n import _, n_
from pipecheck.project.targets import expand_targets

_EXIT_PRIORITY = (3, 2, 1, 0)
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")


def register(commands) -> None:
    check = commands.add_parser("check", help=_("lint pipeline configs (the default command)"))
    check.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help=_("a network's training folder, its pipeline.config, or a label map (its configs)"),
    )
    add_project_options(check)
    check.add_argument("--format", choices=FORMATS, default="text", help=_("output format (default text)"))
    check.add_argument("-o", "--output", type=Path, metavar="FILE", help=_("write the report to FILE"))
    add_selection_options(check)
    add_strategy_options(check)
    check.add_argument("--write-baseline", type=Path, metavar="FILE", help=_("record the current findings in FILE"))
    check.add_argument("--statistics", action="store_true", help=_("count findings per rule"))
    check.add_argument("--no-diff", action="store_true", help=_("do not print the table of changes"))
    check.add_argument("-v", "--verbose", action="store_true", help=_("also list the rules that passed"))


def combined_exit(results) -> int:
    codes = {r.exit_code for r in results} or {0}
    return next(code for code in _EXIT_PRIORITY if code in codes)


def run(args) -> int:
    from pipecheck.cli.output import seen
    from pipecheck.textproto.located import collector_paused

    apply_settings_language(args)
    targets = expand_targets(args.paths, args.root)
    if not targets:
        return 0  # a label map no config reads: nothing to lint
    output_seen, baseline_seen = seen(args.output), seen(args.write_baseline)  # another run's write is refused
    # No cyclic garbage collection while linting and reporting: a config of 100,000 paths parses into a million
    # objects that each full collection would walk (a third of the lint's time), and what a collection would
    # free, reference counting or the end of the command frees. With several configs it stays on: what one
    # lint leaves in cycles must not pile up over a folder of hundreds.
    with collector_paused() if len(targets) == 1 else nullcontext():
        return _lint_and_report(args, targets, output_seen, baseline_seen)


def _lint_and_report(args, targets, output_seen, baseline_seen) -> int:
    from pipecheck.cli.output import emit
    from pipecheck.engine.runner import run as lint

    results = [lint(run_options(args, target)) for target in targets]
    if args.write_baseline:
        from pipecheck.engine.baseline import write_baseline

        count = write_baseline(args.write_baseline, results, since=baseline_seen)
        print(
            n_("wrote {count} finding to {path}", "wrote {count} findings to {path}", count, path=args.write_baseline),
            file=sys.stderr,
        )
    emit(render(args, results), args.output, since=output_seen)
    if args.statistics:
        stream = sys.stdout if args.format == "text" and not args.output else sys.stderr
        stream.write(statistics(results))
    return combined_exit(results)


def render(args, results) -> str:
    fmt = args.format
    if fmt == "json":
        import json

        from pipecheck.report import json_report

        if len(results) == 1:
            return json_report.render(results[0])
        return json.dumps([json_report.document(r) for r in results], indent=2, ensure_ascii=False) + "\n"
    if fmt in ("sarif", "junit", "github", "markdown"):
        from pipecheck.report import ci_formats

        if fmt == "sarif":
            return ci_formats.sarif(results, results[0].catalogue)
        if fmt == "junit":
            return ci_formats.junit(results)
        return ci_formats.github(results) if fmt == "github" else ci_formats.markdown(results)
    from pipecheck.report import text

    return "".join(text.render(r, sys.stdout, show_diff=not args.no_diff, verbose=args.verbose) for r in results)


def statistics(results) -> str:
    from pipecheck.report.table import text_table

    counts: dict[tuple[str, str], int] = {}
    for result in results:
        for finding in result.findings:
            counts[(finding.rule, finding.name)] = counts.get((finding.rule, finding.name), 0) + 1
    rows = [[count, code, name] for (code, name), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return text_table([_("Count"), _("Rule"), _("Name")], rows) + "\n" if rows else _("No finding.") + "\n"
