"""Paths written for another machine: find the project's file a missing path's tail names.

Published configs name files as they were on their author's machine (`/content/drive/MyDrive/...`,
`C:\\Users\\...`, `/home/<someone>/...`). When such an absolute path does not exist, the project
file whose path ends with the longest part of it is the one meant; when several end equally well,
nothing is decided. A relative path absent from the checkout is not another machine's (PC202), and
an exported model's display-only label map is never taken for a training one.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipecheck.guarded import exists, is_dir, is_regular, read_bytes
from pipecheck.project import _DRIVE, Project, is_plain_relative, is_remote, placeholders, tail_parts

_GLOB_CHARS = set("*?[")


@dataclass
class Relocation:
    value: str
    field: str
    matches: list[Path]  # one: the local file; several: a person chooses

    @property
    def local(self) -> Path | None:
        return self.matches[0] if len(self.matches) == 1 else None


def tail_matches(value: str, files: list[Path], root: Path, prefix: bool = False) -> list[Path]:
    """The project paths whose tail matches most of `value`'s components (a checkpoint when `prefix`)."""
    parts = tail_parts(value)
    if not parts:
        return []
    leaf, is_glob = parts[-1], bool(_GLOB_CHARS & set(parts[-1]))
    best, found = 0, []
    every, by_name = _relative_parts(files, root)
    for path, relative in every if is_glob else by_name.get(leaf + ".index" if prefix else leaf, []):
        name = relative[-1]
        if prefix:
            if name != leaf + ".index":
                continue
            local = path.with_name(leaf)
        elif is_glob:
            if not fnmatch.fnmatchcase(name, leaf):
                continue
            local = path.with_name(leaf)
        elif name == leaf:
            local = path
        else:
            continue
        score = 1
        while score < min(len(parts), len(relative)) and parts[-1 - score] == relative[-1 - score]:
            score += 1
        if score > best:
            best, found = score, [local]
        elif score == best and local not in found:
            found.append(local)
    return found


_RELATIVE: list = [None, None, None, [], {}]  # the files, their root and count, [(path, parts)], by name


def _relative_parts(files: list[Path], root: Path) -> tuple[list, dict]:
    """(path, its parts below `root`) for the files under it, and the same by file name: computed once for a
    walk however many paths ask, so that each missing path looks only at the files of its name."""
    if _RELATIVE[0] is not files or _RELATIVE[1] != root or _RELATIVE[2] != len(files):
        pairs, by_name = [], {}
        for path in files:
            try:
                pair = (path, path.relative_to(root).parts)
            except ValueError:
                continue
            if not pair[1]:
                continue
            pairs.append(pair)
            by_name.setdefault(pair[1][-1], []).append(pair)
        _RELATIVE[:] = [files, root, len(files), pairs, by_name]
    return _RELATIVE[3], _RELATIVE[4]


def relocate(project: Project, config, files) -> list[Relocation]:
    """Find, and record on the project, a local file for every missing path of the config."""
    relocations = []
    names, nowhere = _relative_parts(files.all, project.root)[1], {}
    strings = [location.parsed for _path, location in config.located.scalars() if isinstance(location.parsed, str)]
    project.placeholders = placeholders(strings)  # a look at 100,000 paths' text costs 50 ms: once, for every rule
    for field, value, name in config.file_paths():
        prefix = name == "fine_tune_checkpoint"
        if not value or is_remote(value) or value in project.placeholders or value in project.relocated:
            continue
        if not prefix and _found_nowhere(project, value, names, nowhere):
            continue
        if _exists(project, value, prefix, pattern=".input_path" in field) or home_expansion(value, prefix) is not None:
            continue  # a ~ path whose expansion exists is this machine's, written wrong: PC207 says it
        base = launched_elsewhere(project, value, prefix)
        if base:
            matches = [project.resolve(value, base)]
        elif written_elsewhere(value):
            matches = tail_matches(value, files.all, project.root, prefix)
            if field.endswith("label_map_path"):
                matches = [m for m in matches if not inference_only(m, project.root)]
        else:  # a relative path: another layout's spelling of a file here (pre-trained/ for pre_trained/), or absent
            matches = [m for m in tail_matches(value, files.all, project.root, prefix) if _respelt(value, m, project)]
        if matches:
            project.relocated[value] = matches
            relocations.append(Relocation(value, field, matches))
    return relocations


def _found_nowhere(project: Project, value: str, names: dict, nowhere: dict[str, bool]) -> bool:
    """A plain relative path whose folder exists from no base and whose name no project file has: nothing to
    relocate, known from its folder (in `nowhere`, asked once a folder) and its name (a key of `names`)."""
    if not is_plain_relative(value):
        return False
    folder, _slash, name = value.rpartition("/")
    if name in names or name == ".":
        return False
    absent = nowhere.get(folder)
    if absent is None:
        absent = nowhere[folder] = not project.folder_exists(folder) and not project.bases_holding(value)
    return absent


def home_expansion(value: str, prefix: bool = False) -> Path | None:
    """The existing file a path starting with ~ names once expanded (TensorFlow never expands it), else None."""
    if not value.startswith("~"):
        return None
    expanded = Path(os.path.expanduser(value))
    if str(expanded) == value:
        return None
    if prefix:
        found = is_regular(expanded.with_name(expanded.name + ".index"))
    elif _GLOB_CHARS & set(str(expanded)):
        found = any(exists(match) for match in glob.glob(str(expanded)))
    else:
        found = exists(expanded)
    return expanded if found else None


def _respelt(value: str, match: Path, project: Project) -> bool:
    """The match differs from a relative path only in its first folder, and shares at least two more parts."""
    parts = tail_parts(value)
    try:
        relative = match.relative_to(project.root).parts
    except ValueError:
        return False
    return len(parts) >= 3 and len(relative) >= len(parts) and list(relative[-(len(parts) - 1) :]) == parts[1:]


def _climbs_out(value: str) -> bool:
    """A relative path that climbs out of the folder it is read from (../../data/...)."""
    parts = value.replace("\\", "/").split("/")
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 0 if part in ("", ".") else 1
        if depth < 0:
            return True
    return False


def written_elsewhere(value: str) -> bool:
    """An absolute path, of this system or another (/content/..., C:\\Users\\..., ~/...), a Windows one
    (backslashes), or one climbing out of the checkout (../../data): another machine's or layout's.
    A relative path inside the checkout that is absent is just absent."""
    text = value.strip()
    return text.startswith(("/", "\\", "~")) or "\\" in text or bool(_DRIVE.match(text)) or _climbs_out(text)


# Folders an exported model is written to; their label_map.pbtxt is the export's copy.
_EXPORT_FOLDER = re.compile(r"saved_model|export|inference|frozen|tflite", re.IGNORECASE)
_NAME_FIELD = re.compile(r"(?<![A-Za-z_])name\s*:")


def inference_only(path: Path, root: Path) -> bool:
    """A label map with display_name only, under an export folder: what an exported model ships for
    drawing boxes, never the training label map (the decoder maps record texts through `name`)."""
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    if not any(_EXPORT_FOLDER.search(part) for part in parts):
        return False
    try:
        text = read_bytes(path, 200_000).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return False
    return "display_name" in text and not _NAME_FIELD.search(text)


def launched_elsewhere(project: Project, value: str, prefix: bool = False) -> Path | None:
    """The folder (config's, or a parent) from which a relative path exists, when not from the root."""
    if os.path.isabs(value):
        return None
    return next((base for base in project.bases_holding(value) if _exists(project, value, prefix, base)), None)


def _exists(project: Project, value: str, prefix: bool, base: Path | None = None, pattern: bool = False) -> bool:
    if prefix:
        path = project.resolve(value, base)
        return is_regular(path.with_name(path.name + ".index")) or is_dir(path)
    return bool(project.matches(value, base, pattern=pattern))
