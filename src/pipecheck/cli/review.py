"""`pipecheck review PATH -o review.html`: the report a colleague reads before training starts."""

from __future__ import annotations

import sys

from pipecheck.cli.common import apply_settings_language, run_options
from pipecheck.i18n import _


def review(args) -> int:
    from pipecheck.engine.runner import run
    from pipecheck.report.review_data import collect

    apply_settings_language(args)
    result = run(run_options(args, args.path))
    data = collect(result)
    fmt = args.format or ("markdown" if args.output and args.output.suffix in (".md", ".markdown") else "html")
    if fmt == "markdown":
        from pipecheck.report.review_markdown import render
    else:
        from pipecheck.report.review_html import render
    from pipecheck.cli.output import emit

    emit(render(data), args.output)
    if args.output:
        print(_("wrote {path}", path=args.output), file=sys.stderr)
    return 2 if result.fatal else 3 if result.crashed else 0
