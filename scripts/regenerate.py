"""Regenerate what is made from the code: the site's generated pages and the French message catalogue.

    python scripts/regenerate.py          # write the pages, update pipecheck.po, compile pipecheck.mo
    python scripts/regenerate.py --check  # change nothing; exit 1 if anything is stale or untranslated

The pages (scripts/site_pages.py): docs/rules/ (one page per rule and the index, from the rules'
docstrings and the failure catalogue), docs/commands/ (one page per command, from the parser),
docs/measured.md (from benchmarks/results/*.json), docs/fr/messages.md (the rules' messages in
French), and the commands' part of mkdocs.yml's nav. A page whose rule or command is gone is
deleted. It also names what it cannot write: a rule's `Catalogue:` entry missing from
docs/failure-catalogue.md (add the entry and its `<a id="x-00"></a>` anchor by hand).

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
MKDOCS = REPO / "mkdocs.yml"
NAV_BEGIN, NAV_END = "    # BEGIN generated: commands\n", "    # END generated: commands\n"


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


def site_pages(catalogue: Catalog) -> tuple[dict[Path, bytes], list[Path], list[str]]:
    """The generated pages and nav, the generated pages left without a source, and missing catalogue anchors."""
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO / "scripts"))
    import site_pages

    from pipecheck.engine.discovery import discover
    from pipecheck.report.rule_docs import catalogue_entries

    pages = site_pages.pages(catalogue)
    outputs = {path: text.encode() for path, text in pages.items()}
    commands = [p.stem for p in pages if p.parent.name == "commands" and p.stem != "index"]  # the parser's order
    outputs[MKDOCS] = with_commands_nav(MKDOCS.read_text(encoding="utf-8"), commands).encode()
    shipped = (REPO / "docs" / "failure-catalogue.md").read_text(encoding="utf-8")
    missing = missing_catalogue_entries(discover([], plugins=False).rules, shipped, catalogue_entries)
    return outputs, site_pages.stale_pages(pages), missing


def missing_catalogue_entries(rules, shipped: str, entries_of) -> list[str]:
    """What regenerate cannot write: each `Catalogue:` entry a rule names that the catalogue lacks."""
    return [
        f"{spec.code} names catalogue entry {entry}: add it to docs/failure-catalogue.md "
        f'with its anchor <a id="{entry.lower()}"></a>'
        for spec in rules
        for entry in entries_of(spec.doc)
        if f'<a id="{entry.lower()}"></a>' not in shipped
    ]


def with_commands_nav(text: str, commands: list[str]) -> str:
    """mkdocs.yml with one nav line per command page between the generated markers."""
    head, rest = text.split(NAV_BEGIN, 1)
    _old, tail = rest.split(NAV_END, 1)
    lines = "".join(f"      - pipecheck {name}: commands/{name}.md\n" for name in commands)
    return head + NAV_BEGIN + lines + NAV_END + tail


def main(argv: list[str]) -> int:
    check = "--check" in argv
    catalogue, problems = updated_catalogue()
    outputs = {PO: po_text(catalogue), MO: compiled(catalogue)}
    pages, orphans, missing_entries = site_pages(catalogue)
    outputs.update(pages)
    problems += missing_entries
    stale = [path for path, data in outputs.items() if not path.is_file() or path.read_bytes() != data] + orphans
    if not check:
        for path in stale:
            if path in orphans:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
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
