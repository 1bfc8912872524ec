"""Where a fine_tune_checkpoint value points: the prefix in a folder, behind a file name, or by its tail."""

import re
from pathlib import Path

from pipecheck import Finding, _
from pipecheck.rulekit import exists, tail_parts
from pipecheck.rulekit import is_dir as _is_dir

DATA_SHARD = re.compile(r"\.data-(\d{5})-of-(\d{5})$")
# A TF1 Saver's prefix (model.ckpt-1234, first_model.ckpt); TF2's CheckpointManager writes ckpt-N, with no dot.
TF1_RUN_NAME = re.compile(r"\.ckpt(-\d+)?$")


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


def state_file_or_folder(path: Path) -> tuple[Path | None, Path, str]:
    """(the prefix found, the prefix to write when absent, the problem) for a value named checkpoint."""
    if path.parent.name == "checkpoint":
        found = prefix_in(path.parent) if _is_dir(path.parent) else None
        return (
            found,
            path.parent / "ckpt-0",
            _("fine_tune_checkpoint is the state file 'checkpoint', not a checkpoint prefix"),
        )
    return None, path / "ckpt-0", _("fine_tune_checkpoint is the checkpoint folder, not a checkpoint prefix")


def absent_prefix(value: str, missing: Path, problem: str, project, project_files) -> Finding:
    """The prefix to write for a folder or state file that is absent: the project's own if its path ends alike."""
    here = same_tail(missing, project_files.checkpoint_indexes)
    if here is not None:
        fixed = project.display(here)
        hint = _('the project has it: write fine_tune_checkpoint: "{prefix}"', prefix=fixed)
    else:
        fixed = as_value(value, missing, project)
        hint = _('write fine_tune_checkpoint: "{prefix}" (the zoo archive\'s prefix)', prefix=fixed)
    return Finding(
        _("{problem}: TensorFlow opens <prefix>.index, here {path}", problem=problem, path=f"{value}.index"),
        field="train_config.fine_tune_checkpoint",
        hint=hint,
        replacement=f'"{fixed}"' if here is not None else None,
    )


def nearby(prefix: Path, value: str, project) -> str:
    """PC302's hint for an absent prefix: the folder's own prefix, a run's files to copy, or the zoo's archive."""
    found = prefix_in(prefix.parent) if _is_dir(prefix.parent) else None
    if found is not None:
        fixed = as_value(value, found, project)
        return _('the folder holds {name}: write fine_tune_checkpoint: "{prefix}"', name=found.name, prefix=fixed)
    written = Path(value.replace("\\", "/"))
    if TF1_RUN_NAME.search(written.name):  # copying a TF1 run's files would fail next, in load_fine_tune_checkpoint
        return _(
            "{name} is named like a TF1 checkpoint (TF2 runs write ckpt-N), and model_main_tf2.py refuses a TF1 "
            "one ('Checkpoint is expected to be an object-based checkpoint'): extract the network's TF2 zoo "
            "archive and point at the prefix in its checkpoint/ folder",
            name=written.name,
        )
    if written.parent.name != "checkpoint":  # a run's own (models/<name>/ckpt-9), not the zoo's
        return _("copy that run's .index and .data files here, or point at a prefix that exists")
    # no number named: most of the zoo's archives hold ckpt-0, CenterNet MobileNetV2's ckpt-301
    return _("extract the network's zoo archive and point at the prefix in its checkpoint/ folder")
