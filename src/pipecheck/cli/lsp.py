"""`pipecheck lsp`: run the language server on stdin/stdout (editors start it; see docs/integrations/editors.md)."""

from __future__ import annotations

import sys

from pipecheck.i18n import _


def lsp(args) -> int:
    try:
        from pipecheck.integrations.lsp.server import serve
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
