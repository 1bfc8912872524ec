"""The course's run folders beside the config: checkpoint1, checkpoint2, ... and saved_model1, ...

One training run is one `checkpointN` (the course's answer to a stale model_dir, catalogue
C-12). pipecheck records in it which config the run trained (a hash of the parsed message, so
comments and layout do not count, and the text, to show what changed), so that an export or a
resume can refuse a config that changed since.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.i18n import _
from pipecheck.version import __version__

RUN_RECORD = "pipecheck-run.json"
_RUN_FOLDER = re.compile(r"^checkpoint(?P<number>[0-9]+)$")


class RunError(InputError):
    """A run folder cannot be used as asked (exit 2)."""


@dataclass
class Run:
    number: int
    folder: Path

    @property
    def record_path(self) -> Path:
        return self.folder / RUN_RECORD

    def record(self) -> dict | None:
        try:
            return json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def checkpoints(self) -> list[str]:
        """The ckpt-N prefixes in the folder, oldest first."""
        prefixes = {p.name[: -len(".index")] for p in self.folder.glob("ckpt-*.index")}
        return sorted(prefixes, key=lambda name: int(name.split("-")[-1]) if name.split("-")[-1].isdigit() else -1)

    @property
    def events_folder(self) -> Path:
        return self.folder / "train"


def runs_beside(config_dir: Path) -> dict[int, Run]:
    """The checkpointN folders beside a config, by N."""
    found = {}
    for path in config_dir.iterdir() if config_dir.is_dir() else ():
        match = _RUN_FOLDER.match(path.name)
        if match and path.is_dir():
            found[int(match.group("number"))] = Run(int(match.group("number")), path)
    return dict(sorted(found.items()))


def next_run(config_dir: Path) -> Run:
    number = max(runs_beside(config_dir), default=0) + 1
    return Run(number, config_dir / f"checkpoint{number}")


def claim_next_run(config_dir: Path, root: Path) -> Run:
    """The next free checkpointN, made here: mkdir fails when another train made it first, so two never share
    one, and never follows a link (a link named checkpointN is taken, the next number is tried). It is made
    in the config's folder as opened from the project's `root` through no link (folders.opened_folder), so a
    link put at that folder's name after the check does not get it made elsewhere."""
    from pipecheck.folders import opened_folder

    descriptor = opened_folder(config_dir, run_root(config_dir, root))
    try:
        number = max(runs_beside(config_dir), default=0) + 1
        while True:
            try:
                os.mkdir(f"checkpoint{number}", dir_fd=descriptor)
                return Run(number, config_dir / f"checkpoint{number}")
            except FileExistsError:
                number += 1
    finally:
        os.close(descriptor)


def guard_run_writes(run: Run, root: Path, *subfolders: str) -> None:
    """Refuse a run folder the OD API would write into through a link: the folder itself and the
    `subfolders` its events go to (train/, eval/; the OD API makes them when absent). A checkout can
    ship `checkpoint1/eval -> /home/user`: TensorFlow's writers follow it."""
    from pipecheck.atomic import link_refused, safe_folder

    safe_folder(run.folder, root)
    for name in subfolders:
        if os.path.islink(run.folder / name):
            raise link_refused(run.folder / name)


@contextmanager
def held_run(run: Run, root: Path, events: str, workers: bool = False):
    """The run folder open for the OD API to write into (the block gets the descriptor, see anchored()): reached
    from `root` through no link, its `events` subfolder (train/, eval/) made in it through no link, with no
    link in it (the OD API writes into eval/<the eval reader's name>/ and a worker's train/temp_worker_NNN/)
    and, for a multi-worker training, no temp_worker_NNN a link in the run folder (the OD API writes into a
    worker's, then deletes its content). Refused after the block when the folder's name was taken from it."""
    from pipecheck.atomic import subfolder
    from pipecheck.folders import held_open, refuse_links

    with held_open(run.folder, root) as descriptor:
        inner = subfolder(descriptor, events, run.folder / events)
        try:
            refuse_links(inner, run.folder / events)
            if workers:
                refuse_links(descriptor, run.folder, "temp_worker_")
        finally:
            os.close(inner)
        yield descriptor


def anchored(launch, descriptor: int, option: str = "model_dir"):
    """`launch` told to write its `option` folder (model_dir, output_dir...) through `descriptor`, which it
    inherits (folders.through_descriptor)."""
    options = {**launch.options, f"{option}_fd": descriptor}
    return replace(launch, options=options, descriptors=(*launch.descriptors, descriptor))


def run_root(config_dir: Path, root: Path) -> Path:
    """The folder a run's writes stay in: the project's root, or the config's own folder for a config
    outside it (the user named that config: its folder is the place they chose)."""
    return root if Path(os.path.abspath(config_dir)).is_relative_to(os.path.abspath(root)) else config_dir


def trained_run(config_dir: Path, number: int | None) -> Run:
    """The run to export or evaluate: checkpointN, or the latest one holding a checkpoint."""
    runs = runs_beside(config_dir)
    if number is not None:
        if number not in runs:
            raise RunError(_("{folder} does not exist", folder=config_dir / f"checkpoint{number}"))
        if not runs[number].checkpoints():
            raise RunError(_("{folder} holds no checkpoint (ckpt-N.index) yet", folder=runs[number].folder))
        return runs[number]
    with_checkpoints = [run for run in runs.values() if run.checkpoints()]
    if not with_checkpoints:
        raise RunError(
            _(
                "no checkpointN folder beside {config_dir} holds a checkpoint: train first "
                "(pipecheck train {config_dir})",
                config_dir=config_dir,
            )
        )
    return with_checkpoints[-1]


def config_digest(config) -> str:
    """A hash of what the OD API reads: the parsed message, not the text."""
    return hashlib.sha256(config.message.SerializeToString(deterministic=True)).hexdigest()


def write_record(run: Run, config, command: list[str], num_steps: int) -> None:
    """Start or continue a run's record; a resumed run keeps its history of starts."""
    record = run.record() or {"config": str(config.path), "starts": []}
    record.update(
        config_sha256=config_digest(config), config_text=config.located.text, num_steps=num_steps, pipecheck=__version__
    )
    record["starts"].append({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": command})
    _save(run, record)


def update_record(run: Run, **values) -> None:
    record = run.record()
    if record is not None:
        record.update(values)
        _save(run, record)


def _save(run: Run, record: dict) -> None:
    from pipecheck.atomic import write_guarded

    data = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_guarded(run.record_path, data, run.folder.parent)  # walked from the config folder: checkpointN no link


def config_changed(run: Run, config) -> str | None:
    """None when the run trained this config; else what changed, as a short unified diff."""
    record = run.record()
    if record is None or "config_sha256" not in record:
        return None
    if record["config_sha256"] == config_digest(config):
        return None
    import difflib

    lines = difflib.unified_diff(
        record.get("config_text", "").splitlines(),
        config.located.text.splitlines(),
        _("trained"),
        _("now"),
        lineterm="",
        n=0,
    )
    return "\n".join(list(lines)[:40])


def refuse_changed_config(run: Run, config, force: bool, refusal: str) -> None:
    """Stop (unless --force) when the config is not the one the run trained.

    `refusal` is a message marked with N_(), with {folder} and {changes} to fill.
    """
    changes = config_changed(run, config)
    if changes and not force:
        raise RunError(_(refusal, folder=run.folder.name, changes=changes))
