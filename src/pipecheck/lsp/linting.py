"""What the language server lints: which buffers, from which launch root, into which files' findings.

No pygls here: this layer turns an editor's buffers (path -> unsaved text) into the engine's
runs and the runs into findings per file, exactly as `pipecheck check` would find them for
the same text, so the server and the CLI cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

LABEL_MAP_SUFFIXES = (".pbtxt", ".txt")
_MODEL_BLOCK = re.compile(r"^\s*model\s*\{", re.MULTILINE)
_LABEL_MAP_ITEM = re.compile(r"^\s*item\s*\{", re.MULTILINE)
_VALUE_END = re.compile(r"""[A-Za-z_][\w.\[\]]*\s*:?\s*(?:"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|[^\s{}#;,]+)?""")


def kind_of(path: Path, text: str) -> str | None:
    """ "config", "label_map" or None (a buffer the server leaves alone)."""
    if path.name.endswith(".config"):
        return "config" if path.name == "pipeline.config" or _MODEL_BLOCK.search(text) else None
    if path.suffix in LABEL_MAP_SUFFIXES and (_LABEL_MAP_ITEM.search(text) or not text.strip()):
        return "label_map"
    return None


def launch_root(path: Path, explicit: Path | None, folders: list[Path]) -> Path:
    """The folder model_main_tf2.py runs from, as `pipecheck check` run there would take it.

    The CLI takes the current folder; an editor's is wherever it was started. So: the root
    given to `pipecheck lsp --root` (or the client's initializationOptions), else the folder
    the course's layout marks (pre-trained/, model_main_tf2.py), else the workspace folder
    holding the file, else the file's folder.
    """
    from pipecheck.project import _infer_root

    if explicit is not None:
        return explicit
    inferred = _infer_root(path)
    if inferred is not None:
        return inferred
    holding = [folder for folder in folders if _inside(path, folder)]
    if holding:
        return max(holding, key=lambda folder: len(folder.parts))
    return path.parent


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.absolute().relative_to(folder.absolute())
        return True
    except ValueError:
        return False


@dataclass
class Lint:
    """One run on a config buffer: its findings by file, and the run for hover and code actions."""

    config: Path
    run: object  # RunResult
    by_file: dict[Path, list] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)  # the text each file's positions refer to


@dataclass
class Linter:
    """Lints buffers the way `pipecheck check` lints files, remembering what it may reuse."""

    explicit_root: Path | None = None
    folders: list[Path] = field(default_factory=list)
    select: list[str] | None = None
    ignore: list[str] | None = None
    settings_file: Path | None = None
    lang: str | None = None  # `pipecheck --lang fr lsp`; else each root's `lang` setting, as for the CLI
    runs: int = 0
    # label map -> the configs on disk that name it: a walk of the root, done once per label map
    # (each keystroke in a label map re-lints them); forgotten when a config is opened or saved
    readers: dict[Path, list[Path]] = field(default_factory=dict)

    def lint_config(self, path: Path, text: str, unsaved: dict[Path, str]) -> Lint:
        from pipecheck.engine.runner import RunOptions, run

        root = launch_root(path, self.explicit_root, self.folders)
        self._language(root)
        options = RunOptions(
            target=path,
            root=root,
            select=self.select,
            ignore=self.ignore,
            settings_file=self.settings_file,
            config_text=text,
            unsaved={p: t for p, t in unsaved.items() if p != path},
        )
        result = run(options)
        self.runs += 1
        return self._grouped(path, text, result)

    def _language(self, root: Path) -> None:
        from pipecheck.engine.settings import load_settings
        from pipecheck.i18n import set_language

        set_language(self.lang or load_settings(root, self.settings_file).lang)

    def configs_reading(self, label_map: Path, open_configs: list[Path]) -> list[Path]:
        """The configs a label map stands for, as `pipecheck check LABEL_MAP` expands it, plus open ones naming it."""
        from pipecheck.project.targets import expand_targets

        found = self.readers.get(label_map)
        if found is None:
            root = launch_root(label_map, self.explicit_root, self.folders)
            found = [p.absolute() for p in expand_targets([label_map], root) if p.absolute() != label_map.absolute()]
            self.readers[label_map] = found
        return found + [p for p in open_configs if p not in found]

    def _grouped(self, path: Path, text: str, result) -> Lint:
        lint = Lint(path, result, {path: []}, {path: text})
        for finding in result.findings:
            if finding.tier == "detail":
                continue  # numbers that say all is well: the JSON and -v show them, an editor does not
            where = Path(finding.file).absolute() if finding.file is not None else path
            lint.by_file.setdefault(where, []).append(finding)
        for located in _label_maps_read(result):
            lint.texts.setdefault(Path(located.path).absolute(), located.text)
        return lint


def _label_maps_read(result):
    resolver = result.resolver
    loaded = resolver.values.get("label_maps") if resolver is not None else None
    if isinstance(loaded, dict):
        for value in loaded.values():
            located = getattr(value, "located", None)
            if located is not None:
                yield located


def finding_span(line_text: str, column: int) -> tuple[int, int]:
    """Start and end (0-based characters) on its line of what a finding at `column` (1-based) points at:
    a field with its value (`num_classes: 3`), a word, or the rest of the line."""
    start = max(0, min(column - 1, len(line_text)))
    match = _VALUE_END.match(line_text, start)
    if match is not None and match.end() > start:
        return start, match.end()
    stripped = line_text.rstrip()
    return start, max(start, len(stripped)) if len(stripped) > start else len(line_text)
