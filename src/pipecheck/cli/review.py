"""`pipecheck review PATH -o review.html`: the report a colleague reads before training starts."""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.cli.common import add_project_options, add_selection_options, apply_settings_language, run_options
from pipecheck.cli.distribute import add_strategy_options
from pipecheck.i18n import _


def register(commands) -> None:
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


def run(args) -> int:
    from pipecheck.cli.output import emit, seen
    from pipecheck.engine.runner import run as lint
    from pipecheck.report.review_data import collect

    apply_settings_language(args)
    output_seen = seen(args.output)  # another run writing it meanwhile is refused, not lost
    result = lint(run_options(args, args.path))
    data = collect(result)
    fmt = args.format or ("markdown" if args.output and args.output.suffix in (".md", ".markdown") else "html")
    if fmt == "markdown":
        from pipecheck.report.review_markdown import render
    else:
        from pipecheck.report.review_html import render
    emit(render(data), args.output, since=output_seen)
    if args.output:
        print(_("wrote {path}", path=args.output), file=sys.stderr)
    return 2 if result.fatal else 3 if result.crashed else 0
