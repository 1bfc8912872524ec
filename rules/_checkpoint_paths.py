"""Where a fine_tune_checkpoint value points: the prefix in a folder, behind a file name, or by its tail."""

import re
from pathlib import Path

from pipecheck.rulekit import exists, tail_parts
from pipecheck.rulekit import is_dir as _is_dir

DATA_SHARD = re.compile(r"\.data-(\d{5})-of-(\d{5})$")


def prefix_in(folder: Path) -> Path | None:
    """The checkpoint prefix inside a folder (or its checkpoint/ subfolder), ckpt-0 first."""
    for candidate in (folder, folder / "checkpoint"):
        indexes = sorted(candidate.glob("*.index"), key=lambda p: (p.name != "ckpt-0.index", p.name))
        if indexes:
            return indexes[0].with_suffix("")
    return None


def actual_prefix(path: Path) -> Path | None:
    """The prefix a folder, an .index or a .data file stands for."""
    if _is_dir(path):
        return prefix_in(path)
    if path.name.endswith(".index"):
        return path.with_suffix("")
    if DATA_SHARD.search(path.name):
        return path.with_name(DATA_SHARD.sub("", path.name))
    return path


def names_the_folder(path: Path) -> bool:
    """`.../checkpoint` or its state file `.../checkpoint/checkpoint`, named without its ckpt-N prefix."""
    return path.name == "checkpoint" and not exists(Path(f"{path}.index"))


def same_tail(prefix: Path, indexes) -> Path | None:
    """The one project checkpoint whose path ends like `prefix` in at least <net>/checkpoint/ckpt-0."""
    wanted = tail_parts(str(prefix))
    found = []
    for index in indexes:
        parts = tail_parts(str(index.with_suffix("")))
        if len(wanted) >= 3 and parts[-3:] == wanted[-3:]:
            found.append(index.with_suffix(""))
    return found[0] if len(found) == 1 else None


def as_value(value: str, path: Path, project) -> str:
    """Write a corrected path the way the user wrote the original (relative stays relative)."""
    return str(path) if Path(value).is_absolute() else project.display(path)
