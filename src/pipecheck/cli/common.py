"""What the commands share: their common options, the options a run of the rules takes, and the lint gate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipecheck.cli.arguments import UsageError
from pipecheck.i18n import _, set_language


def add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help=_("folder model_main_tf2.py runs from (default: current folder)"))
    parser.add_argument("--original", type=Path, help=_("the zoo pipeline.config the edited one was copied from"))
    parser.add_argument("--models-dir", type=Path, help=_("a tensorflow/models checkout to take the schema from"))
    parser.add_argument("--ram", metavar="SIZE", help=_("RAM of the training machine, e.g. 8GiB (default: measured)"))


def add_workflow_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, metavar="PATH", help=_("the network's training folder or its config"))
    add_project_options(parser)
    add_selection_options(parser)
    parser.add_argument("--force", action="store_true", help=_("go on despite lint errors or a changed config"))
    parser.add_argument("--dry-run", action="store_true", help=_("print the command and environment, run nothing"))
    parser.add_argument("--python", metavar="PATH", help=_("the Python that has TensorFlow (default: this one)"))


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--select",
        action="append",
        metavar="RULES",
        help=_("run only these rules: codes, prefixes, names or categories, comma-separated"),
    )
    parser.add_argument("--ignore", action="append", metavar="RULES", help=_("do not run these rules"))
    parser.add_argument("--strict", action="store_true", default=None, help=_("exit 1 on warnings too"))
    parser.add_argument("--settings", type=Path, metavar="FILE", help=_("settings file (default: found upward)"))
    parser.add_argument(
        "--no-plugins",
        action="store_true",
        help=_("run no code but pipecheck's own: no installed plugins, no rules_dirs"),
    )
    parser.add_argument("--baseline", type=Path, metavar="FILE", help=_("accept the findings recorded in FILE"))


def run_options(args, target: Path):
    from pipecheck.cli.distribute import distribution_from_args
    from pipecheck.engine.runner import RunOptions, split_selectors
    from pipecheck.odapi.machine import parse_size
    from pipecheck.report.progress import bar_callback

    if args.ram is not None:
        try:
            parse_size(args.ram)
        except ValueError as error:
            raise UsageError(_("--ram: {error}", error=error)) from None
    baseline = None
    if args.baseline:
        from pipecheck.engine.baseline import load_baseline

        baseline = load_baseline(args.baseline)
    return RunOptions(
        target=target,
        root=args.root,
        original=args.original,
        models_dir=args.models_dir,
        ram=args.ram,
        select=split_selectors(args.select),
        ignore=split_selectors(args.ignore),
        strict=args.strict,
        settings_file=args.settings,
        plugins=not args.no_plugins,
        progress=bar_callback(),
        baseline=baseline,
        distribution=distribution_from_args(args),
    )


def apply_settings_language(args) -> None:
    """The `lang` setting counts when --lang was not given."""
    if getattr(args, "lang", None):
        return
    from pipecheck.engine.settings import load_settings

    settings = load_settings(Path(args.root or Path.cwd()), args.settings)
    if settings.lang:
        set_language(settings.lang)


def lint_for(args, gate: bool):
    """Lint the config: (RunResult, exit code to stop with or None to go on).

    With `gate` (train), the findings are shown and errors stop the command unless --force.
    """
    from pipecheck.engine.runner import run
    from pipecheck.report import text

    result = run(run_options(args, args.path))
    if result.fatal:
        sys.stdout.write(text.render(result, sys.stdout, show_diff=False))
        return result, 2
    errors = result.count("error")
    if gate and (errors or result.count("warning")):
        sys.stdout.write(text.render(result, sys.stdout, show_diff=False))
    if gate and errors and not args.force:
        print(
            _(
                "{command} refused: the config has errors that would fail or spoil it (--force to go anyway)",
                command=f"pipecheck {args.command}",
            ),
            file=sys.stderr,
        )
        return result, 1
    return result, None


def plan_or_run(job, dry_run: bool) -> int:
    """--dry-run prints what the job would run; otherwise the job runs and its exit code is the command's."""
    if dry_run:
        print(job.plan())
        return 0
    return job.run()
