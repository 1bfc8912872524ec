"""`pipecheck fix PATH`: apply the rules' fixes in the config's text, then lint the result."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from pipecheck.cli.common import add_project_options, add_selection_options
from pipecheck.cli.distribute import add_strategy_options
from pipecheck.i18n import _, n_


def register(commands) -> None:
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


def run(args) -> int:
    from pipecheck.cli.common import apply_settings_language, run_options
    from pipecheck.fixes import fix_config
    from pipecheck.report import text
    from pipecheck.report.text import shown_path

    apply_settings_language(args)
    outcome = fix_config(run_options(args, args.path), unsafe=args.unsafe)
    result = outcome.result
    if result.fatal:
        sys.stdout.write(text.render(result, sys.stdout, show_diff=False))
        return result.exit_code
    path = result.project.config_path
    shown = shown_path(path)
    if args.diff:
        sys.stdout.writelines(
            difflib.unified_diff(
                outcome.original_text.splitlines(keepends=True),
                outcome.text.splitlines(keepends=True),
                fromfile=f"a/{shown}",
                tofile=f"b/{shown}",
            )
        )
        _print_changes(outcome, sys.stderr, dry_run=True)
        return 1 if outcome.changed else 0
    _print_changes(outcome, sys.stdout, dry_run=False)
    if outcome.changed:
        from pipecheck.fixes.write import write_fixed

        backup = write_fixed(path, outcome.original_text.encode("utf-8"), outcome.text, inside=result.project.root)
        print(_("wrote {path} (the previous version is kept as {backup})", path=shown, backup=backup.name))
    print()
    sys.stdout.write(text.render(result, sys.stdout, show_diff=False))
    return result.exit_code


def _print_changes(outcome, stream, dry_run: bool) -> None:
    """With --diff nothing is written, so each line says what `fix` would do, not what it did."""
    for change in outcome.changes:
        if change.after is None:
            what = _("deleted (was {before})", before=change.before)
        elif change.before is None:
            what = _("added {after}", after=change.after)
        else:
            what = f"{change.before} → {change.after}"
        if dry_run:
            line = _(
                "would fix line {line}  {field}: {what}  ({rule})",
                line=change.line,
                field=change.field,
                what=what,
                rule=change.rule,
            )
        else:
            line = _(
                "fixed    line {line}  {field}: {what}  ({rule})",
                line=change.line,
                field=change.field,
                what=what,
                rule=change.rule,
            )
        print(line, file=stream)
    for skipped in outcome.skipped:
        print(
            _("left     {field}: {reason}  ({rule})", field=skipped.field, reason=skipped.reason, rule=skipped.rule),
            file=stream,
        )
    if not outcome.changes:
        print(_("nothing to fix"), file=stream)
    elif dry_run:
        print(
            n_(
                "{count} fix would be applied; nothing was written (--diff)",
                "{count} fixes would be applied; nothing was written (--diff)",
                len(outcome.changes),
            ),
            file=stream,
        )
    else:
        print(n_("{count} fix applied", "{count} fixes applied", len(outcome.changes)), file=stream)
