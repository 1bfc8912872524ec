"""The course's run folders beside the config: checkpoint1, checkpoint2, ... and saved_model1, ...

One training run is one `checkpointN` (the course's answer to a stale model_dir, catalogue
C-12). pipecheck records in it which config the run trained (a hash of the parsed message, so
comments and layout do not count, and the text, to show what changed), so that an export or a
resume can refuse a config that changed since.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pipecheck import __version__
from pipecheck.i18n import _

RUN_RECORD = "pipecheck-run.json"
_NUMBERED = re.compile(r"^(?P<stem>checkpoint|saved_model|tflite)(?P<number>[0-9]+)$")


class RunError(Exception):
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


def numbered(config_dir: Path, stem: str) -> dict[int, Path]:
    found = {}
    for path in config_dir.iterdir() if config_dir.is_dir() else ():
        match = _NUMBERED.match(path.name)
        if match and match.group("stem") == stem and path.is_dir():
            found[int(match.group("number"))] = path
    return dict(sorted(found.items()))


def next_free(config_dir: Path, stem: str = "checkpoint") -> Path:
    taken = numbered(config_dir, stem)
    number = max(taken, default=0) + 1
    return config_dir / f"{stem}{number}"


def run_number(folder: Path) -> int:
    return int(_NUMBERED.match(folder.name).group("number"))


def trained_run(config_dir: Path, number: int | None) -> Run:
    """The run to export or evaluate: checkpointN, or the latest one holding a checkpoint."""
    runs = numbered(config_dir, "checkpoint")
    if number is not None:
        if number not in runs:
            raise RunError(_("{folder} does not exist", folder=config_dir / f"checkpoint{number}"))
        run = Run(number, runs[number])
        if not run.checkpoints():
            raise RunError(_("{folder} holds no checkpoint (ckpt-N.index) yet", folder=run.folder))
        return run
    with_checkpoints = [Run(n, folder) for n, folder in runs.items() if Run(n, folder).checkpoints()]
    if not with_checkpoints:
        raise RunError(_("no checkpointN folder beside {config_dir} holds a checkpoint: train first "
                         "(pipecheck train {config_dir})", config_dir=config_dir))
    return with_checkpoints[-1]


def config_digest(config) -> str:
    """A hash of what the OD API reads: the parsed message, not the text."""
    return hashlib.sha256(config.message.SerializeToString(deterministic=True)).hexdigest()


def write_record(run: Run, config, command: list[str], num_steps: int) -> None:
    """Start or continue a run's record; a resumed run keeps its history of starts."""
    record = run.record() or {"config": str(config.path), "starts": []}
    record.update(config_sha256=config_digest(config), config_text=config.located.text, num_steps=num_steps,
                  pipecheck=__version__)
    record["starts"].append({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": command})
    _save(run, record)


def update_record(run: Run, **values) -> None:
    record = run.record()
    if record is not None:
        record.update(values)
        _save(run, record)


def _save(run: Run, record: dict) -> None:
    temporary = run.record_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(run.record_path)


def config_changed(run: Run, config) -> str | None:
    """None when the run trained this config; else what changed, as a short unified diff."""
    record = run.record()
    if record is None or "config_sha256" not in record:
        return None
    if record["config_sha256"] == config_digest(config):
        return None
    import difflib

    lines = difflib.unified_diff(record.get("config_text", "").splitlines(), config.located.text.splitlines(),
                                 _("trained"), _("now"), lineterm="", n=0)
    return "\n".join(list(lines)[:40])
