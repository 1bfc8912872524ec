"""Maintain the French catalogue: extract messages from the code, merge them into the .po, compile the .mo.

    python scripts/i18n.py update    # add new messages to locale/fr/.../pipecheck.po, drop gone ones
    python scripts/i18n.py compile   # write pipecheck.mo from pipecheck.po
    python scripts/i18n.py check     # list messages without a French translation (exit 1 if any)

Messages are the string literals passed to _(), N_() and n_() in src/pipecheck and rules/.
"""

from __future__ import annotations

import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "src" / "pipecheck", REPO / "rules"]
PO = REPO / "src" / "pipecheck" / "locale" / "fr" / "LC_MESSAGES" / "pipecheck.po"
MO = PO.with_suffix(".mo")
HEADER = ("Project-Id-Version: pipecheck\nLanguage: fr\nMIME-Version: 1.0\n"
          "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
          "Plural-Forms: nplurals=2; plural=(n > 1);\n")


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    translations: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    @property
    def translated(self) -> bool:
        return bool(self.translations) and all(self.translations)


def extract(sources=SOURCES) -> tuple[dict[tuple[str, str | None], Entry], list[str]]:
    """Messages found in the code, and the calls whose message is not a literal (a mistake)."""
    found: dict[tuple[str, str | None], Entry] = {}
    problems: list[str] = []
    for folder in sources:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                name = node.func.id
                if name not in ("_", "N_", "n_"):
                    continue
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                arguments = node.args[:2] if name == "n_" else node.args[:1]
                if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments):
                    if name != "_":  # _(variable) translates a message marked with N_ elsewhere
                        problems.append(f"{where}: {name}() needs string literals")
                    continue
                key = (arguments[0].value, arguments[1].value if name == "n_" else None)
                found.setdefault(key, Entry(*key)).places.append(where)
    return found, problems


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    parts = [f'"{line}\\n"' for line in lines[:-1]] + ([f'"{lines[-1]}"'] if lines[-1] else [])
    return '""\n' + "\n".join(parts)


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    out, position = [], 0
    while position < len(body):
        char = body[position]
        if char == "\\" and position + 1 < len(body):
            following = body[position + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(following, "\\" + following))
            position += 2
        else:
            out.append(char)
            position += 1
    return "".join(out)


def read_po(path: Path = PO) -> dict[tuple[str, str | None], Entry]:
    entries: dict[tuple[str, str | None], Entry] = {}
    if not path.exists():
        return entries
    current: dict[str, str] = {}
    target: str | None = None

    def flush():
        if "msgid" in current and current["msgid"]:
            forms = [current[k] for k in sorted(k for k in current if k.startswith("msgstr"))]
            entry = Entry(current["msgid"], current.get("msgid_plural"), forms)
            entries[(entry.msgid, entry.plural)] = entry
        current.clear()

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        stripped = line.strip()
        if not stripped:
            flush()
            target = None
        elif stripped.startswith("#"):
            continue
        elif stripped.startswith('"'):
            current[target] += _unquote(stripped)
        else:
            keyword, _, rest = stripped.partition(" ")
            target = keyword
            current[target] = _unquote(rest)
    return entries


def write_po(entries: dict[tuple[str, str | None], Entry], path: Path = PO) -> None:
    blocks = ['msgid ""\nmsgstr ' + _quote(HEADER)]
    for entry in sorted(entries.values(), key=lambda e: (e.places[:1] or [""])[0]):
        comment = "".join(f"#: {place}\n" for place in entry.places[:3])
        if entry.plural is None:
            translation = entry.translations[0] if entry.translations else ""
            blocks.append(f"{comment}msgid {_quote(entry.msgid)}\nmsgstr {_quote(translation)}")
        else:
            forms = (entry.translations + ["", ""])[:2]
            blocks.append(f"{comment}msgid {_quote(entry.msgid)}\nmsgid_plural {_quote(entry.plural)}\n"
                          f"msgstr[0] {_quote(forms[0])}\nmsgstr[1] {_quote(forms[1])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def compile_mo(entries: dict[tuple[str, str | None], Entry]) -> bytes:
    """GNU .mo bytes for the translated entries (what gettext.GNUTranslations reads)."""
    pairs = {"": HEADER}
    for entry in entries.values():
        if not entry.translated:
            continue
        key = entry.msgid if entry.plural is None else f"{entry.msgid}\0{entry.plural}"
        pairs[key] = "\0".join(entry.translations)
    keys = sorted(pairs, key=lambda k: k.encode("utf-8"))
    originals = [k.encode("utf-8") for k in keys]
    translations = [pairs[k].encode("utf-8") for k in keys]
    count = len(keys)
    start = 7 * 4 + 16 * count
    table, data = [], b""
    for blob in originals + translations:
        table.append((len(blob), start + len(data)))
        data += blob + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, 28 + 16 * count)
    return header + b"".join(struct.pack("<2I", *item) for item in table) + data


def update() -> int:
    found, problems = extract()
    known = read_po()
    for key, entry in found.items():
        if key in known:
            entry.translations = known[key].translations
    write_po(found)
    missing = [e for e in found.values() if not e.translated]
    print(f"{len(found)} messages, {len(missing)} without a translation; {len(problems)} problems")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        return update()
    if command == "compile":
        MO.write_bytes(compile_mo(read_po()))
        return 0
    found, problems = extract()
    known = read_po()
    missing = [key for key in found if key not in known or not known[key].translated]
    for msgid, _plural in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing or problems else 0


if __name__ == "__main__":
    sys.exit(main())
