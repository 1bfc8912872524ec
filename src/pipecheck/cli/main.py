"""The `pipecheck` command. `pipecheck PATH` is short for `pipecheck check PATH`.

Exit codes: 0 no errors, 1 errors (or warnings with --strict), 2 unreadable or unparseable
input or bad usage, 3 internal error. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

from pipecheck.errors import InputError
from pipecheck.i18n import LANGUAGES, _, set_language
from pipecheck.version import __version__

# Each command's module under pipecheck.cli, in the order of the help: its register(subparsers) adds the
# command's parser (a module may add several: rules, fixtures, rule) and its run(args) does the work.
# Registering imports only argparse helpers; what a command runs is imported by its run().
COMMANDS = {
    "check": "check",
    "init": "init",
    "fix": "fix",
    "train": "train",
    "probe": "probe",
    "export": "export",
    "eval": "evaluate",
    "cluster": "cluster",
    "review": "review",
    "rules": "rules",
    "fixtures": "rules",
    "rule": "rules",
    "doctor": "doctor",
    "lsp": "lsp",
}


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

    for module in dict.fromkeys(COMMANDS.values()):
        import_module(f"pipecheck.cli.{module}").register(commands)
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
        return import_module(f"pipecheck.cli.{COMMANDS[args.command]}").run(args)
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
