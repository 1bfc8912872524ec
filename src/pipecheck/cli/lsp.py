"""`pipecheck lsp`: run the language server on stdin/stdout (editors start it; see docs/integrations/editors.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.i18n import _


def register(commands) -> None:
    lsp = commands.add_parser("lsp", help=_("run the language server for editors (stdio; needs the lsp extra)"))
    lsp.add_argument(
        "--root",
        type=Path,
        default=None,
        help=_("launch root for every file (default: found from each file's layout, else its workspace folder)"),
    )


def run(args) -> int:
    try:
        from pipecheck.lsp.server import serve
    except ImportError as error:
        print(
            _(
                "pipecheck lsp needs pygls ({error}): pip install 'pipecheck-tfod[lsp]'",
                error=error,
            ),
            file=sys.stderr,
        )
        return 2
    serve(args.root.absolute() if args.root else None, getattr(args, "lang", None))
    return 0
