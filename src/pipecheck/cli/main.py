"""The `pipecheck` command. `pipecheck PATH` is short for `pipecheck check PATH`.

Exit codes: 0 no errors, 1 errors (or warnings with --strict), 2 unreadable or unparseable
input or bad usage, 3 internal error. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipecheck.cli.arguments import positive
from pipecheck.cli.cluster import add_cluster_command
from pipecheck.cli.common import add_project_options, add_selection_options, add_workflow_options
from pipecheck.cli.distribute import add_strategy_options
from pipecheck.errors import InputError
from pipecheck.i18n import LANGUAGES, _, set_language
from pipecheck.version import __version__

COMMANDS = (
    "check",
    "init",
    "fix",
    "train",
    "probe",
    "export",
    "eval",
    "cluster",
    "review",
    "rules",
    "rule",
    "fixtures",
    "doctor",
    "lsp",
)
CHECK_FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter imports shutil for the terminal width on every parser; os is enough."""

    def __init__(self, prog: str, **kwargs):
        try:
            width = os.get_terminal_size().columns - 2
        except OSError:
            width = 78
        super().__init__(prog, width=kwargs.pop("width", None) or width, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipecheck",
        description=_("Lint a TF Object Detection API pipeline.config against its project before training."),
        epilog=_(
            "Run from the folder model_main_tf2.py runs from (tod_tf2/ in the course), e.g.\n"
            "  pipecheck faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8"
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"pipecheck {__version__}")
    parser.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: the locale's)"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser = commands.add_parser

    def command(name: str, **kwargs):
        sub = add_parser(name, formatter_class=_Formatter, **kwargs)
        # SUPPRESS: a subcommand's default must not erase a --lang given before the command
        sub.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=argparse.SUPPRESS,
            help=_("language of messages (default: the locale's)"),
        )
        return sub

    commands.add_parser = command

    check = commands.add_parser("check", help=_("lint pipeline configs (the default command)"))
    check.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help=_("a network's training folder, its pipeline.config, or a label map (its configs)"),
    )
    add_project_options(check)
    check.add_argument("--format", choices=CHECK_FORMATS, default="text", help=_("output format (default text)"))
    check.add_argument("-o", "--output", type=Path, metavar="FILE", help=_("write the report to FILE"))
    add_selection_options(check)
    add_strategy_options(check)
    check.add_argument("--write-baseline", type=Path, metavar="FILE", help=_("record the current findings in FILE"))
    check.add_argument("--statistics", action="store_true", help=_("count findings per rule"))
    check.add_argument("--no-diff", action="store_true", help=_("do not print the table of changes"))
    check.add_argument("-v", "--verbose", action="store_true", help=_("also list the rules that passed"))

    init = commands.add_parser("init", help=_("lay out a project from a zoo network archive (or folder)"))
    init.add_argument(
        "source",
        type=Path,
        metavar="ARCHIVE_OR_DIR",
        help=_("the zoo's <net>.tar.gz, or a network folder holding pipeline.config"),
    )
    init.add_argument("--project", required=True, help=_("the project's name, e.g. faces_cubes"))
    init.add_argument(
        "--layout",
        choices=("course", "tutorial"),
        default="course",
        help=_(
            "course: <project>/training/<net> run from tod_tf2/ (default); "
            "tutorial: <project>/models/<net> run from <project>/"
        ),
    )
    init.add_argument("--root", type=Path, help=_("where to lay it out (default: current folder)"))
    init.add_argument("--classes", metavar="NAMES", help=_("also write the label map, e.g. --classes one,two"))

    fix = commands.add_parser("fix", help=_("apply the safe fixes the rules know, keeping comments and layout"))
    fix.add_argument("path", type=Path, metavar="PATH", help=_("the network's training folder or its config"))
    add_project_options(fix)
    add_selection_options(fix)
    add_strategy_options(fix)
    fix.add_argument(
        "--unsafe",
        action="store_true",
        help=_("also apply fixes that change training choices (e.g. batch_size to what fits in RAM)"),
    )
    fix.add_argument("--diff", action="store_true", help=_("print the patch and write nothing"))

    train = commands.add_parser(
        "train", help=_("lint, then train with the OD API in the next checkpointN, with a progress bar")
    )
    add_workflow_options(train)
    train.add_argument("--resume", type=int, metavar="N", help=_("continue the run in checkpointN"))
    train.add_argument("--num-steps", type=positive, metavar="N", help=_("stop at step N (default: num_steps)"))
    train.add_argument(
        "--checkpoint-every",
        type=positive,
        default=1000,
        metavar="N",
        help=_("save a checkpoint every N steps (default 1000; the last step is always saved)"),
    )
    add_strategy_options(train)
    train.add_argument(
        "--no-watchdog",
        action="store_true",
        help=_("do not stop the run on a NaN or diverging loss, nor warn about the loss and rate"),
    )
    add_probe_parser(commands)
    export = commands.add_parser("export", help=_("export checkpointN to saved_modelN and try it on one image"))
    add_workflow_options(export)
    export.add_argument("--checkpoint", type=int, metavar="N", help=_("export checkpointN (default: the latest)"))
    export.add_argument("--tflite", action="store_true", help=_("also write tfliteN/model.tflite (SSD networks)"))
    evaluate = commands.add_parser("eval", help=_("evaluate checkpointN on the eval records (COCO metrics)"))
    add_workflow_options(evaluate)
    evaluate.add_argument("--checkpoint", type=int, metavar="N", help=_("evaluate checkpointN (default: the latest)"))

    add_cluster_command(commands)

    review = commands.add_parser("review", help=_("write the peer-review report of a config (HTML or Markdown)"))
    review.add_argument("path", type=Path, metavar="PATH", help=_("the network's training folder or its config"))
    add_project_options(review)
    add_selection_options(review)
    add_strategy_options(review)
    review.add_argument("-o", "--output", type=Path, metavar="FILE", help=_("output file (default: stdout)"))
    review.add_argument(
        "--format",
        choices=("html", "markdown"),
        default=None,
        help=_("report format (default: from the file name, else html)"),
    )

    rules = commands.add_parser("rules", help=_("list every rule"))
    rules.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help=_("markdown: every rule's documentation on one page"),
    )
    rules.add_argument("--settings", type=Path, metavar="FILE", help=_("settings file (its rules_dirs)"))
    fixtures = commands.add_parser("fixtures", help=_("list the fixtures rules can ask for, with their docs"))
    fixtures.add_argument("--settings", type=Path, metavar="FILE", help=_("settings file (its rules_dirs)"))
    rule = commands.add_parser("rule", help=_("print a rule's documentation"))
    rule.add_argument("code", help=_("a rule code or name, e.g. PC101"))

    doctor = commands.add_parser("doctor", help=_("say which OD API schema and environment pipecheck sees"))
    doctor.add_argument("--root", type=Path, default=None, help=_("launch root (default: current folder)"))
    doctor.add_argument("--models-dir", type=Path, default=None, help=_("a tensorflow/models checkout"))
    doctor.add_argument(
        "--plan", action="store_true", help=_("print the commands that install the training stack for this Python")
    )
    lsp = commands.add_parser("lsp", help=_("run the language server for editors (stdio; needs the lsp extra)"))
    lsp.add_argument(
        "--root",
        type=Path,
        default=None,
        help=_("launch root for every file (default: found from each file's layout, else its workspace folder)"),
    )
    return parser


def _early_language(argv: list[str]) -> None:
    """--lang must be known before the parser's own help texts are written."""
    for position, argument in enumerate(argv):
        if argument == "--lang" and position + 1 < len(argv):
            set_language(argv[position + 1] if argv[position + 1] in LANGUAGES else None)
            return
        if argument.startswith("--lang="):
            set_language(argument.split("=", 1)[1] if argument.split("=", 1)[1] in LANGUAGES else None)
            return
    set_language(None)


def _options_taking_a_value(parser: argparse.ArgumentParser) -> set[str]:
    options = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options |= _options_taking_a_value(sub)
        elif action.option_strings and action.nargs != 0:
            options.update(action.option_strings)
    return options


def command_first(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Options go before or after the path: the command (`check` when none is named) is moved first.

    argparse only gives a subcommand the options written after its name, so
    `pipecheck --format json DIR` and `pipecheck DIR --lang fr` would otherwise fail.
    """
    options = argv[: argv.index("--")] if "--" in argv else argv
    if "--version" in options:
        return ["--version"]  # `pipecheck DIR --version` too: the version, whatever else is asked
    valued = _options_taking_a_value(parser)
    position, first = 0, None
    while position < len(argv):
        argument = argv[position]
        if argument == "--":
            first = position + 1 if position + 1 < len(argv) else None
            break
        if not argument.startswith("-") or argument == "-":
            first = position
            break
        position += 2 if argument in valued else 1
    if first is not None and argv[first] in COMMANDS:
        return [argv[first], *argv[:first], *argv[first + 1 :]]
    top_level_only = {"-h", "--help", "--version"}
    if first is None and all(a in top_level_only or a.startswith("--lang") or a in LANGUAGES for a in argv):
        return argv  # `pipecheck`, `pipecheck --help`, `pipecheck --lang fr --help`: the main help
    return ["check", *argv]


def main(argv: list[str] | None = None) -> int:
    """Run one command with stdout and stderr behind the output layer (report/terminal.py)."""
    from pipecheck.report.terminal import OutputError, guarded_output

    with guarded_output():
        try:
            code = _command(argv)
            sys.stdout.flush()
        except OutputError as error:  # raised outside _command's own handler: argparse's help, the last flush
            code = report_error(error)
    return code


def _command(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if os.environ.get("PRE_COMMIT"):
        argv = _hook_file_names(argv)
    _early_language(argv)
    parser = build_parser()
    args = parser.parse_args(command_first(argv, parser))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "doctor":
            from pipecheck.cli.doctor import doctor

            return doctor(args)
        if args.command in ("rules", "rule", "fixtures"):
            from pipecheck.cli.rules import fixtures_command, rule_command, rules_command

            return {"rules": rules_command, "rule": rule_command, "fixtures": fixtures_command}[args.command](args)
        if args.command == "init":
            from pipecheck.cli.init import init

            return init(args)
        if args.command == "fix":
            from pipecheck.cli.fix import fix

            return fix(args)
        if args.command == "probe":
            from pipecheck.cli.probe import probe

            return probe(args)
        if args.command in ("train", "export", "eval"):
            from pipecheck.cli import evaluate, export, train

            task = {"train": train.train, "export": export.export, "eval": evaluate.evaluate}[args.command]
            return task(args)
        if args.command == "cluster":
            from pipecheck.cli.cluster import cluster

            return cluster(args)
        if args.command == "lsp":
            from pipecheck.cli.lsp import lsp

            return lsp(args)
        if args.command == "review":
            from pipecheck.cli.review import review

            return review(args)
        from pipecheck.cli.check import check

        return check(args)
    except KeyboardInterrupt:
        print(_("pipecheck: interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `pipecheck ... | head`: the reader left, as with cat or grep say nothing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as error:  # every known input problem is turned into a message below
        return report_error(error)


def _hook_file_names(argv: list[str]) -> list[str]:
    """pre-commit appends staged file names after the hook's options, without "--": a file named
    -oreal.config would be read as `-o real.config`. A name that is an existing file is a path."""
    return [
        f".{os.sep}{argument}" if argument.startswith("-") and os.path.isfile(argument) else argument
        for argument in argv
    ]


def add_probe_parser(commands) -> None:
    probe = commands.add_parser(
        "probe",
        help=_("train a few steps at two batch sizes and give the largest batch that fits in this machine's RAM"),
    )
    add_workflow_options(probe)
    probe.add_argument(
        "--batches", type=_batch_list, default=[1, 2], metavar="A,B", help=_("the batch sizes to measure (default 1,2)")
    )
    probe.add_argument(
        "--steps", type=positive, default=6, metavar="N", help=_("steps trained at each batch size (default 6)")
    )


def _batch_list(text: str) -> list[int]:
    from pipecheck.cli.probe import batch_list

    return batch_list(text)


def report_error(error: Exception) -> int:
    from pipecheck.report.terminal import OutputError

    try:
        return _report_error(error)
    except OutputError:  # stderr failing too: the exit code is all that is left to say it
        return 2


def _report_error(error: Exception) -> int:
    if isinstance(error, InputError):
        print(_("pipecheck: error: {error}", error=error), file=sys.stderr)
        return 2
    if isinstance(error, OSError):
        # the guarded writer names the file of every write; an error no code path named is said as it is
        message = (
            _("pipecheck: error: {file}: {error}", file=error.filename, error=error.strerror or error)
            if error.filename
            else _("pipecheck: error: {error}", error=error.strerror or error)
        )
        print(message, file=sys.stderr)
        return 2
    if os.environ.get("PIPECHECK_DEBUG"):
        raise error
    print(
        _(
            "pipecheck: internal error: {kind}: {error}\nThis is a bug in pipecheck; set PIPECHECK_DEBUG=1 to see "
            "the traceback.",
            kind=type(error).__name__,
            error=error,
        ),
        file=sys.stderr,
    )
    return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
