"""Find the files a project holds, to suggest the right value for a path in the config.

A label map is recognised by its content (items with an id or a name), never by its file name:
published projects call theirs labelmap.pbtxt, object-detection.pbtxt or defects_map.pbtxt.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipecheck.project import PRETRAINED_FOLDERS

_SKIP = {".git", "models", "__pycache__", ".venv", "venv", "node_modules"}
_RECORD_SUFFIXES = (".record", ".tfrecord", ".tfrecords", ".records")
_LIMIT = 20000  # files looked at, so a huge tree never makes the lint slow
_LABEL_MAP_SUFFIXES = (".pbtxt", ".txt", ".prototxt")
_LABEL_MAP_MAX_BYTES = 1 << 20


class ProjectFiles:
    """Label maps, records and checkpoint indexes under the root; the tree is walked on first use."""

    def __init__(self, root: Path):
        self.root = root
        self._found: tuple[list[Path], list[Path], list[Path], list[Path]] | None = None

    @property
    def all(self) -> list[Path]:
        """Every file looked at (up to the limit), for paths written on another machine."""
        return self._scan()[3]

    @property
    def label_maps(self) -> list[Path]:
        return self._scan()[0]

    @property
    def records(self) -> list[Path]:
        return self._scan()[1]

    @property
    def checkpoint_indexes(self) -> list[Path]:
        return self._scan()[2]

    def records_for(self, role: str) -> list[Path]:
        """Records whose name says train or eval (test/val), best first."""
        words = ("train",) if role == "train" else ("test", "val", "eval")
        return [p for p in self.records if any(w in p.name.lower() for w in words)]

    def _scan(self) -> tuple[list[Path], list[Path], list[Path], list[Path]]:
        if self._found is None:
            self._found = _walk(self.root)
        return self._found


def scan(root: Path) -> ProjectFiles:
    return ProjectFiles(root)


def _walk(root: Path) -> tuple[list[Path], list[Path], list[Path], list[Path]]:
    label_maps: list[Path] = []
    records: list[Path] = []
    indexes: list[Path] = []
    every: list[Path] = []
    seen = 0
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in _SKIP and not d.startswith("."))
        for name in sorted(files):
            seen += 1
            path = Path(folder) / name
            every.append(path)
            lower = name.lower()
            if lower.endswith(_LABEL_MAP_SUFFIXES) and is_label_map(path):
                label_maps.append(path)
            elif lower.endswith(_RECORD_SUFFIXES) or "tfrecord" in lower or ".record-" in lower:
                records.append(path)
            elif lower.endswith(".index") and any(
                part in PRETRAINED_FOLDERS or part == "checkpoint" for part in path.parts
            ):
                indexes.append(path)
        if seen > _LIMIT:
            break
    return label_maps, records, indexes, every


def is_label_map(path: Path) -> bool:
    """True when the file parses as text format holding only `item { ... }` blocks with an id or a name."""
    from pipecheck.textproto.syntax import MessageValue, parse_document
    from pipecheck.textproto.tokens import SourceText, TextProtoSyntaxError, tokenize

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _LABEL_MAP_MAX_BYTES:
            return False  # a FIFO would block the walk forever; a folder or a device is no label map
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    if "item" not in text:
        return False
    try:
        source = SourceText(text)
        document = parse_document(source, tokenize(source)[0])
    except TextProtoSyntaxError:
        return False
    return bool(document.fields) and all(
        node.name == "item"
        and all(isinstance(v, MessageValue) and any(f.name in ("id", "name") for f in v.fields) for v in node.values)
        for node in document.fields
    )
