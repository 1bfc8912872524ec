"""The class head a trained checkpoint carries, read from its index without TensorFlow (catalogue U-16).

Exporting or evaluating restores the model the config builds from the trained checkpoint; a head
trained for another num_classes fails with "Tensor's shape (1, 1, 128, 42) is not compatible with
supplied shape (1, 1, 128, 546)" (tensorflow/models#9610, #9876, #9061, #9133).
"""

from __future__ import annotations

import re
from pathlib import Path

_RUN = re.compile(r"^checkpoint\d*$")
_CKPT = re.compile(r"^ckpt-(\d+)\.index$")


def newest_trained_checkpoint(config_dir: Path) -> Path | None:
    """The newest ckpt-N prefix a training wrote beside the config (its folder, or a checkpointN in it)."""
    found: list[tuple[int, float, Path]] = []
    folders = [config_dir] + sorted(p for p in config_dir.iterdir() if p.is_dir() and _RUN.match(p.name))
    for folder in folders:
        for index in folder.glob("ckpt-*.index"):
            match = _CKPT.match(index.name)
            if match and index.is_file():
                found.append((index.stat().st_mtime_ns, int(match.group(1)), index.with_suffix("")))
    return max(found)[2] if found else None


def class_head_width(facts, arch: str) -> tuple[str, int] | None:
    """(variable name, output width) of the class-prediction kernel a checkpoint holds for this meta-architecture."""
    wanted = {
        "faster_rcnn": ("_class_prediction_head", "kernel"),
        "ssd": ("class_predictions_with_background", "kernel"),
    }.get(arch)
    if wanted is None:
        return None
    for entry in facts.entries:
        name, shape = entry.get("name", ""), entry.get("shape") or []
        if wanted[0] in name and f"/{wanted[1]}/" in f"{name}/" and shape:
            return name, shape[-1]
    return None


def read_checkpoint_index(prefix: Path):
    """A checkpoint's variables (names, shapes) from its .index; the data shards are not read."""
    from pipecheck.artifacts.checkpoint import read_checkpoint

    return read_checkpoint(prefix, verify_data=False)
