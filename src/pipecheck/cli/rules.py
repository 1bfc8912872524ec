"""`pipecheck rules` lists the rules, `pipecheck rule CODE` prints one's documentation, `pipecheck fixtures` the fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.cli.arguments import UsageError
from pipecheck.i18n import _


def register(commands) -> None:
    """Three commands: `rules`, `fixtures` and `rule CODE`."""
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


def run(args) -> int:
    return {"rules": rules_command, "rule": rule_command, "fixtures": fixtures_command}[args.command](args)


def _catalogue(settings_file: Path | None = None):
    from pipecheck.engine.discovery import discover
    from pipecheck.engine.settings import load_settings

    settings = load_settings(Path.cwd(), settings_file)
    return discover(settings.rules_dirs, plugins=settings.plugins)


def rules_command(args) -> int:
    from pipecheck.report import rule_docs

    catalogue = _catalogue(args.settings)
    if args.format == "markdown":
        sys.stdout.write(rule_docs.rules_markdown(catalogue.rules))
    else:
        sys.stdout.write(rule_docs.rules_table(catalogue.rules) + "\n")
    return 0


def rule_command(args) -> int:
    from pipecheck.report import rule_docs

    catalogue = _catalogue()
    wanted = args.code
    for spec in catalogue.rules:
        if wanted.upper() == spec.code or wanted == spec.name:
            sys.stdout.write(rule_docs.rule_text(spec))
            return 0
    import difflib

    names = [s.code for s in catalogue.rules] + [s.name for s in catalogue.rules]
    close = difflib.get_close_matches(wanted, names, n=1)
    if close:
        raise UsageError(_("no rule {code!r}; did you mean {close!r}?", code=wanted, close=close[0]))
    raise UsageError(_("no rule {code!r} (pipecheck rules lists them)", code=wanted))


def fixtures_command(args) -> int:
    """Every fixture a rule can ask for by name: where it is defined and the first line of its docs."""
    from pipecheck.engine.builtin_fixtures import GIVEN
    from pipecheck.report.rule_docs import where_defined
    from pipecheck.report.table import text_table

    catalogue = _catalogue(args.settings)
    rows = [[name, _("(given by the engine)"), doc] for name, doc in GIVEN.items()]
    rows += [
        [spec.name, where_defined(spec), spec.doc.split("\n", 1)[0]]
        for spec in sorted(catalogue.fixtures.values(), key=lambda s: s.name)
    ]
    sys.stdout.write(text_table([_("Fixture"), _("Defined at"), _("What it is")], rows) + "\n")
    return 0
