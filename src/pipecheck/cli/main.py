"""The `pipecheck` command. `pipecheck PATH` is short for `pipecheck check PATH`.

Exit codes: 0 no errors, 1 errors (or warnings with --strict), 2 unreadable or unparseable
input or bad usage, 3 internal error. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipecheck import __version__

COMMANDS = ("check", "doctor")


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipecheck",
        description="Lint a TF Object Detection API pipeline.config against its project before training.",
        epilog="Run from the folder model_main_tf2.py runs from (tod_tf2/ in the course), e.g.\n"
               "  pipecheck faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pipecheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint a pipeline.config (the default command)")
    check.add_argument("path", type=Path, help="the network's training folder or its pipeline.config")
    add_project_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    check.add_argument("--select", action="append", metavar="RULES",
                       help="run only these rules: codes, prefixes, names or categories, comma-separated")
    check.add_argument("--ignore", action="append", metavar="RULES", help="do not run these rules")
    check.add_argument("--strict", action="store_true", default=None, help="exit 1 on warnings too")
    check.add_argument("--settings", type=Path, metavar="FILE", help="settings file (default: found upward)")
    check.add_argument("--no-plugins", action="store_true", help="do not load rules from installed plugins")
    check.add_argument("--no-diff", action="store_true", help="do not print the table of changes")
    check.add_argument("-v", "--verbose", action="store_true", help="also list the rules that passed")

    doctor = commands.add_parser("doctor", help="say which OD API schema and environment pipecheck sees")
    doctor.add_argument("--root", type=Path, default=None, help="launch root (default: current folder)")
    doctor.add_argument("--models-dir", type=Path, default=None, help="a tensorflow/models checkout")
    return parser


def add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="folder model_main_tf2.py runs from (default: current folder)")
    parser.add_argument("--original", type=Path, help="the zoo pipeline.config the edited one was copied from")
    parser.add_argument("--models-dir", type=Path, help="a tensorflow/models checkout to take the schema from")
    parser.add_argument("--ram", metavar="SIZE", help="RAM of the training machine, e.g. 8GiB (default: measured)")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "check")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "doctor":
            from pipecheck.cli.doctor import doctor

            return doctor(args)
        return check(args)
    except KeyboardInterrupt:
        print("pipecheck: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # every known input problem is turned into a message below
        return _report_error(error)


def check(args) -> int:
    from pipecheck.engine.runner import RunOptions, run
    from pipecheck.machine import parse_size

    if args.ram is not None:
        try:
            parse_size(args.ram)
        except ValueError as error:
            raise UsageError(f"--ram: {error}") from None
    options = RunOptions(
        target=args.path, root=args.root, original=args.original, models_dir=args.models_dir, ram=args.ram,
        select=_split(args.select), ignore=_split(args.ignore), strict=args.strict,
        settings_file=args.settings, plugins=not args.no_plugins,
    )
    result = run(options)
    if args.format == "json":
        from pipecheck.report import json_report

        sys.stdout.write(json_report.render(result))
    else:
        from pipecheck.report import text

        sys.stdout.write(text.render(result, sys.stdout, show_diff=not args.no_diff, verbose=args.verbose))
    return result.exit_code


def _report_error(error: Exception) -> int:
    from pipecheck.engine.discovery import DiscoveryError
    from pipecheck.engine.fixtures import FixtureError
    from pipecheck.engine.settings import SettingsError
    from pipecheck.project import ProjectError
    from pipecheck.schema import SchemaNotFound

    known = (UsageError, ProjectError, SettingsError, DiscoveryError, FixtureError, SchemaNotFound)
    if isinstance(error, known):
        print(f"pipecheck: error: {error}", file=sys.stderr)
        return 2
    if isinstance(error, OSError):
        print(f"pipecheck: error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2
    if os.environ.get("PIPECHECK_DEBUG"):
        raise error
    print(f"pipecheck: internal error: {type(error).__name__}: {error}\n"
          "This is a bug in pipecheck; set PIPECHECK_DEBUG=1 to see the traceback.", file=sys.stderr)
    return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
