"""`%load_ext pipecheck`: the `%pipecheck` and `%%pipecheck` magics for Jupyter and Colab.

    %pipecheck faces_cubes/training/<net> --ram 16GiB     # the CLI's check, its options
    %%pipecheck faces_cubes/training/<net>/pipeline.config --write
    model { ... }                                          # lint the cell as that file; --write saves
                                                           # it there when it has no error

Each shows the findings by severity and the table of changes as HTML, with the text report
as the fallback (a terminal IPython, a notebook viewer without HTML). Loaded only through
`load_ipython_extension`: `import pipecheck` never imports IPython.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import display

from pipecheck.errors import InputError
from pipecheck.i18n import _


def _check_args(tokens: list[str]):
    """The CLI's `check` options, parsed by the CLI's own parser; None after a usage error (already shown)."""
    from pipecheck.cli.main import build_parser

    try:
        return build_parser().parse_args(["check", *tokens])
    except SystemExit:  # argparse has printed the usage and the error
        return None


def _results(args, config_text: str | None = None) -> list:
    from pipecheck.api import LintResult
    from pipecheck.cli.common import apply_settings_language, run_options
    from pipecheck.engine.runner import run
    from pipecheck.project.targets import expand_targets

    apply_settings_language(args)
    targets = args.paths if config_text is not None else expand_targets(args.paths, args.root)
    results = []
    for target in targets:
        options = run_options(args, target)
        options.progress = None
        options.config_text = config_text
        results.append(LintResult(run(options)))
    return results


def _show(args, results: list) -> None:
    if args.format != "text":
        from pipecheck.cli.check import render

        sys.stdout.write(render(args, [result.run for result in results]))
        return
    for result in results:
        display(result)


@magics_class
class PipecheckMagics(Magics):
    @line_magic
    def pipecheck(self, line: str):
        """%pipecheck PATH... [options]: lint as `pipecheck check` does (its options; --format too)."""
        args = _check_args(shlex.split(line))
        if args is None:
            return None
        try:
            _show(args, _results(args))
        except (InputError, OSError) as error:
            print(_("pipecheck: error: {error}", error=error), file=sys.stderr)
        return None

    @cell_magic("pipecheck")
    def pipecheck_cell(self, line: str, cell: str):
        """%%pipecheck [PATH] [--write] [options]: lint the cell as the config PATH (default
        pipeline.config) would be; with --write, save it to PATH when it has no error."""
        tokens = shlex.split(line)
        write = "--write" in tokens
        tokens = [token for token in tokens if token != "--write"]
        if not tokens or tokens[0].startswith("-"):
            tokens.insert(0, "pipeline.config")
        args = _check_args(tokens)
        if args is None:
            return None
        if len(args.paths) != 1 or not args.paths[0].name.endswith(".config"):
            print(_("pipecheck: error: %%pipecheck takes one PATH ending in .config"), file=sys.stderr)
            return None
        try:
            results = _results(args, cell)
            _show(args, results)
            if write:
                _write(args.paths[0], cell, results[0], args.root)
        except (InputError, OSError) as error:
            print(_("pipecheck: error: {error}", error=error), file=sys.stderr)
        return None


def _write(path: Path, text: str, result, root: Path | None) -> None:
    """Save the cell where it was linted as being, only without errors, only inside the launch root,
    keeping what was there as a backup (as `pipecheck fix` does)."""
    from pipecheck.atomic import write_guarded
    from pipecheck.fixes.write import write_fixed
    from pipecheck.guarded import TEXT_LIMIT, read_bytes

    if result.run.fatal or result.count("error"):
        print(_("not written: {path} has errors", path=path), file=sys.stderr)
        return
    inside = Path(root or Path.cwd()).resolve()
    target = Path(path).absolute()
    try:
        target.parent.resolve().relative_to(inside)
    except ValueError:
        raise InputError(_("not written: {path} is outside the launch root {root}", path=path, root=inside)) from None
    if target.is_symlink() or target.exists():
        backup = write_fixed(target, read_bytes(target, TEXT_LIMIT), text, inside=inside)
        print(_("wrote {path} (the previous content is in {backup})", path=path, backup=backup.name))
        return
    # a new file: the guarded writer's, created only where no file appeared since the check above
    write_guarded(target.parent.resolve() / target.name, text.encode("utf-8"), inside, since=None)
    print(_("wrote {path}", path=path))


def register_magics(ipython) -> None:
    ipython.register_magics(PipecheckMagics)
