"""Regenerate what is made from the code: docs/rules.md and the French message catalogue.

    python scripts/regenerate.py          # write docs/rules.md, update pipecheck.po, compile pipecheck.mo
    python scripts/regenerate.py --check  # change nothing; exit 1 if anything is stale or untranslated

Messages are the string literals passed to _(), N_() and n_() in src/pipecheck and rules/.
Babel merges them into the catalogue, writes the .po and compiles the .mo. They are found by
walking the syntax tree rather than with Babel's extractor, which (Babel 2.19, Python 3.11)
reads an f-string as one token and so missed the 10 messages called inside f-strings, e.g.
f"<p>{escape(_('No image to show.'))}</p>". The .po has no source locations and is sorted by
message, so that two changes adding messages merge without conflicts. A new message gets an
empty French translation, listed at the end: write it in the .po, then run this again.
"""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "src" / "pipecheck", REPO / "rules"]
PO = REPO / "src" / "pipecheck" / "locale" / "fr" / "LC_MESSAGES" / "pipecheck.po"
MO = PO.with_suffix(".mo")
RULES_DOC = REPO / "docs" / "rules.md"


def extract() -> tuple[Catalog, list[str]]:
    """Every message of the code, and the calls whose text is not a literal (the catalogue cannot hold them)."""
    template, problems = Catalog(domain="pipecheck"), []
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if not (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "n_")
                ):
                    continue
                place = f"{path.relative_to(REPO)}:{node.lineno}"
                arguments = node.args[:2] if node.func.id == "n_" else node.args[:1]
                if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments):
                    if node.func.id != "_":  # _(variable) translates a message marked with N_() elsewhere
                        problems.append(f"{place}: {node.func.id}() needs string literals")
                    continue
                message = tuple(a.value for a in arguments) if node.func.id == "n_" else arguments[0].value
                template.add(message, locations=[(place, None)], flags=["python-brace-format"])
    return template, problems


def read_catalogue(path: Path = PO) -> Catalog:
    with open(path, "rb") as stream:
        return read_po(stream, locale="fr", domain="pipecheck")


def compiled(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    return buffer.getvalue()


def po_text(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalogue,
        width=0,
        no_location=True,
        omit_header=False,
        sort_output=True,
        ignore_obsolete=True,
        include_previous=False,
    )
    return buffer.getvalue()


def updated_catalogue() -> tuple[Catalog, list[str]]:
    template, problems = extract()
    catalogue = read_catalogue()
    template.creation_date = catalogue.creation_date  # the header changes only when someone means it to
    catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalogue.project, catalogue.version = "pipecheck", ""
    catalogue.last_translator, catalogue.language_team = "pipecheck developers", "French"
    catalogue.msgid_bugs_address = ""
    return catalogue, problems


def untranslated(catalogue: Catalog) -> list[str]:
    return [
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalogue
        if message.id and not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]


def rules_markdown() -> str:
    sys.path.insert(0, str(REPO / "src"))
    from pipecheck.engine.discovery import discover
    from pipecheck.report.rule_docs import rules_markdown as render

    return render(discover([], plugins=False).rules)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    catalogue, problems = updated_catalogue()
    outputs = {PO: po_text(catalogue), MO: compiled(catalogue), RULES_DOC: rules_markdown().encode()}
    stale = [path for path, data in outputs.items() if not path.is_file() or path.read_bytes() != data]
    if not check:
        for path in stale:
            path.write_bytes(outputs[path])
    for problem in problems:
        print(problem, file=sys.stderr)
    missing = untranslated(catalogue)
    for message in missing:
        print(f"no French translation yet: {message!r}", file=sys.stderr)
    if check and stale:
        print(
            "stale: " + ", ".join(str(p.relative_to(REPO)) for p in stale) + " (run: python scripts/regenerate.py)",
            file=sys.stderr,
        )
    print(
        f"{len(catalogue)} messages, {len(missing)} without a French translation, "
        f"{len(stale)} file(s) {'stale' if check else 'rewritten'}"
    )
    return 1 if problems or missing or (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
