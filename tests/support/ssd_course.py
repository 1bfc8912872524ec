"""A tiny course project on SSD MobileNet V2 320, set up through pipecheck itself (needs TensorFlow).

The "zoo archive" holds the zoo's config and a checkpoint of a real OD API detection model with
random weights, saved as the zoo saves them (nothing is downloaded). The project gets the
example's cube-face records and label map, then `pipecheck init` and `pipecheck fix`, then the
steps and batch a person chooses. Used by the slow tier and benchmarks/time_to_first_error.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from support.cli import pipecheck
from support.projects import EXAMPLE, REPO

SSD = "ssd_mobilenet_v2_320x320_coco17_tpu-8"
FOLDER = f"faces_cubes/training/{SSD}"
# the course config's learning-rate schedule, the prefix of the fields tests and benchmarks edit
SCHEDULE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
CHOICES = [
    ("train_config.batch_size", "2"),
    ("train_config.num_steps", "30"),
    (f"{SCHEDULE}.total_steps", "30"),
    (f"{SCHEDULE}.warmup_steps", "5"),
    (f"{SCHEDULE}.learning_rate_base", "0.01"),
    (f"{SCHEDULE}.warmup_learning_rate", "0.001"),
]
# Edits on top of CHOICES for a model that detects something: trained 300 steps at batch 4 on the cube
# faces, the tiny SSD scores its best boxes 0.3 to 0.6 (the course's 30 steps leave them below 0.3,
# where the export gate compares no box). Each training draws its own batches: the scores differ by run.
TRAINED = [
    ("train_config.batch_size", "4"),
    ("train_config.num_steps", "300"),
    (f"{SCHEDULE}.total_steps", "300"),
    (f"{SCHEDULE}.warmup_steps", "20"),
    (f"{SCHEDULE}.learning_rate_base", "0.04"),
]


def zoo_archive(work: Path) -> Path:
    network = work / "zoo" / SSD
    network.mkdir(parents=True)
    shutil.copyfile(REPO / "tests/data/zoo" / f"{SSD}.config", network / "pipeline.config")
    built = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests/slow/build_detection_model.py"),
            str(network / "pipeline.config"),
            str(network / "checkpoint"),
            "0",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"},
    )
    if built.returncode != 0:
        raise RuntimeError(f"building the detection checkpoint failed:\n{built.stderr[-3000:]}")
    archive = work / f"{SSD}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(network, arcname=SSD)
    return archive


def build_ssd_course(work: Path, archive: Path | None = None) -> tuple[Path, subprocess.CompletedProcess]:
    """(the launch root, the output of `pipecheck fix`); `archive`: a zoo_archive() already built (only read)."""
    archive = archive or zoo_archive(work)
    root = work / "tod_tf2"
    (root / "faces_cubes/training").mkdir(parents=True)
    for name in ("label_map.pbtxt", "train.record", "test.record"):
        shutil.copyfile(EXAMPLE / "tod_tf2/faces_cubes/training" / name, root / "faces_cubes/training" / name)
    initialised = pipecheck("init", str(archive), "--project", "faces_cubes", cwd=root)
    if initialised.returncode != 0:
        raise RuntimeError(initialised.stderr)
    fixed = pipecheck("fix", FOLDER, cwd=root)
    sys.path.insert(0, str(EXAMPLE))
    from make_example import apply_edits

    config = root / FOLDER / "pipeline.config"
    config.write_text(apply_edits(config.read_text(), CHOICES))
    return root, fixed
