"""`pipecheck check PATH...`: lint, then report in the chosen format."""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.cli.common import add_project_options, add_selection_options, apply_settings_language, run_options
from pipecheck.cli.distribute import add_strategy_options
from pipecheck.i18n import _, n_
from pipecheck.project import PRETRAINED_FOLDERS

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


def expand_targets(paths: list[Path], root: Path | None) -> list[Path]:
    """Configs to lint: folders and configs as given; a label map stands for the configs that name it."""
    targets: list[Path] = []
    for path in paths:
        if path.is_file() and not path.name.endswith(".config") and path.suffix in (".pbtxt", ".txt"):
            targets += [
                c for c in _configs_under(Path(root or Path.cwd())) if path.name in _text_of(c) and c not in targets
            ]
        elif path not in targets:
            targets.append(path)
    return targets


def _text_of(config: Path) -> str:
    """A config's text to search for a label map's name; "" for a FIFO, a huge or a vanished file."""
    from pipecheck.guarded import TEXT_LIMIT, read_bytes

    try:
        return read_bytes(config, TEXT_LIMIT).decode("utf-8", "replace")
    except OSError:
        return ""


def _configs_under(root: Path) -> list[Path]:
    """The edited configs: not the zoo's, not a models/research checkout's, not the copies exports keep."""
    import re

    run_copy = re.compile(r"^(checkpoint|saved_model|tflite)[0-9]+$")
    found = []
    for config in sorted(root.rglob("*.config")):
        relative = config.relative_to(root)
        parts = set(relative.parts)
        if (
            parts & set(PRETRAINED_FOLDERS)
            or ".git" in parts
            or any(map(run_copy.match, parts))
            or "models/research/" in relative.as_posix()
        ):
            continue
        found.append(config)
    return found


def combined_exit(results) -> int:
    codes = {r.exit_code for r in results} or {0}
    return next(code for code in _EXIT_PRIORITY if code in codes)


def run(args) -> int:
    from pipecheck.engine.runner import run as lint

    apply_settings_language(args)
    targets = expand_targets(args.paths, args.root)
    if not targets:
        return 0  # a label map no config reads: nothing to lint
    results = [lint(run_options(args, target)) for target in targets]
    if args.write_baseline:
        from pipecheck.engine.baseline import write_baseline

        count = write_baseline(args.write_baseline, results)
        print(
            n_("wrote {count} finding to {path}", "wrote {count} findings to {path}", count, path=args.write_baseline),
            file=sys.stderr,
        )
    from pipecheck.cli.output import emit

    emit(render(args, results), args.output)
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
