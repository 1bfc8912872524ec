"""The TFLite half of the export gate on a model that detects something (slow tier).

The course project's 30-step model scores every box below 0.3, where the gate compares no box.
Trained 300 steps at batch 4 on the cube faces, the tiny SSD scores its boxes 0.3 to 0.6
(measured on TF 2.15.1): each confident TFLite detection is then either the SavedModel's own
(within the tolerance) or one its per-class NMS dropped for a higher-scoring box over it. Each
training draws its own batches, so the detections differ from run to run.
"""

import re

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.cli import pipecheck  # noqa: E402
from support.ssd_course import FOLDER, SCHEDULE, build_ssd_course  # noqa: E402

from pipecheck.wrappers.export_gate import CONFIDENT, TOLERANCE  # noqa: E402

pytestmark = pytest.mark.slow
TRAINED = [
    ("train_config.batch_size", "4"),
    ("train_config.num_steps", "300"),
    (f"{SCHEDULE}.total_steps", "300"),
    (f"{SCHEDULE}.warmup_steps", "20"),
    (f"{SCHEDULE}.learning_rate_base", "0.04"),
]


def test_tflite_detections_match_the_saved_models_on_a_trained_model(tmp_path, ssd_archive):
    root, _fixed = build_ssd_course(tmp_path, ssd_archive)
    from make_example import apply_edits  # build_ssd_course put the example's folder on sys.path

    config = root / FOLDER / "pipeline.config"
    config.write_text(apply_edits(config.read_text(), TRAINED))
    trained = pipecheck("train", FOLDER, cwd=root, timeout=1500)
    assert trained.returncode == 0, trained.stderr[-3000:]
    done = pipecheck("export", FOLDER, "--checkpoint", "1", "--tflite", cwd=root, timeout=900)
    print(done.stdout)
    # every detection both models returned, for a failure to be studied
    log = (root / FOLDER / "checkpoint1/export.log").read_text().splitlines()
    evidence = "\n".join(line for line in log if line.startswith("pipecheck-result: "))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + evidence
    compared = re.search(
        rf"  ok: TFLite against the SavedModel on the same image, over the (\d+) TFLite detections scoring {CONFIDENT} "
        r"or more: (\d+) are the SavedModel's, largest box difference ([0-9.]+), largest score difference ([0-9.]+)",
        done.stdout,
    )
    assert compared, done.stdout
    count, same = int(compared.group(1)), int(compared.group(2))
    box, score = float(compared.group(3)), float(compared.group(4))
    assert count >= same >= 1 and box <= TOLERANCE and score <= TOLERANCE
