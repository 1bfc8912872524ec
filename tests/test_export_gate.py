"""The export gate on detections as the launcher reports them, and `pipecheck export` failing on it."""

import os
import subprocess
import sys

import pytest
from support.projects import NET, REPO, SSD_CONFIG, add_ssd_network

from pipecheck.wrappers.export_gate import check_export

FOLDER = f"faces_cubes/training/{NET}"


def outcome(classes=(1, 2), columns=3, tflite_move=None, tflite_classes=None):
    detections = [
        {"class": 2, "score": 0.9, "box": [0.1, 0.2, 0.3, 0.4]},
        {"class": 1, "score": 0.4, "box": [0.5, 0.5, 0.7, 0.8]},
    ]
    found = {
        "detections": detections,
        "class_ids": list(classes),
        "outputs": {"detection_multiclass_scores": [1, 100, columns]},
    }
    if tflite_move is not None:
        # the TFLite model lists them in another order: matched by class and box, not by position
        moved = [{**d, "box": [v + tflite_move for v in d["box"]]} for d in reversed(detections)]
        found["tflite"] = {"detections": moved, "class_ids": list(tflite_classes or classes)}
    return found


def test_a_good_export_passes_every_check():
    verdict = check_export(outcome(tflite_move=0.003), [1, 2], 2)
    assert verdict.failed == []
    assert verdict.max_box_difference == pytest.approx(0.003) and verdict.max_score_difference == 0
    assert any("class ids 1, 2, all in the label map (ids 1, 2)" in line for line in verdict.passed)
    assert any("3 score columns: num_classes 2 and the background" in line for line in verdict.passed)
    assert any(
        "largest box difference 0.0030 over the 2 detections scoring 0.1 or more" in line and "tolerance 0.02" in line
        for line in verdict.passed
    )


def test_class_ids_off_by_one_fail_and_say_so():
    verdict = check_export(outcome(classes=(0, 1)), [1, 2], 2)
    assert verdict.failed == [
        "the SavedModel returned class ids 0, not in the label map (ids 1, 2) (the label "
        "map's ids shifted by one: 0-based against 1-based?)"
    ]
    verdict = check_export(outcome(classes=(3,)), [1, 2], 2)
    assert "returned class ids 3, not in the label map" in verdict.failed[0]


def test_score_columns_must_be_num_classes_and_the_background():
    verdict = check_export(outcome(columns=91), [1, 2], 2)
    assert verdict.failed == [
        "the SavedModel scores 91 classes per box, num_classes 2 calls for 3 (the classes and the background)"
    ]


def test_tflite_boxes_past_the_tolerance_fail_with_the_difference():
    verdict = check_export(outcome(tflite_move=0.05), [1, 2], 2)
    assert len(verdict.failed) == 1 and "largest box difference 0.0500" in verdict.failed[0]
    assert (
        check_export(outcome(tflite_move=0.0, tflite_classes=(0, 1)), [1, 2], 2)
        .failed[0]
        .startswith("the TFLite model returned class ids 0")
    )


def test_tied_low_scores_of_an_untrained_model_compare_scores_only():
    found = outcome(tflite_move=0.3)
    for detection in found["detections"] + found["tflite"]["detections"]:
        detection["score"] = 0.02
    verdict = check_export(found, [1, 2], 2)
    assert verdict.failed == [] and verdict.max_box_difference is None
    assert any("boxes not compared: no detection scores 0.1 or more" in line for line in verdict.passed)


def test_nothing_to_check_is_not_a_failure():
    assert check_export({"detections": None}, [1, 2], 2).failed == []


@pytest.fixture
def fake_python(tmp_path):
    script = tmp_path / "fake-python"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} {REPO / "tests/support/fake_od_api.py"} "$@"\n')
    script.chmod(0o755)
    return str(script)


def pipecheck(*args, cwd, **env):
    return subprocess.run(
        [sys.executable, "-m", "pipecheck", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PIPECHECK_PROGRESS": "never", **env},
    )


def test_export_prints_the_gate_and_fails_on_shifted_class_ids(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    done = pipecheck(
        "export", FOLDER, "--python", fake_python, "--checkpoint", "1", cwd=clean_project, FAKE_CLASS_SHIFT="-1"
    )
    assert done.returncode == 1
    assert "FAILED: the SavedModel returned class ids 0, not in the label map (ids 1, 2)" in done.stdout
    assert "the export is written but fails the gate" in done.stderr
    assert (clean_project / FOLDER / "saved_model1/saved_model/saved_model.pb").is_file()  # kept, to look at


def test_export_with_tflite_compares_the_two_models(clean_project, fake_python):
    add_ssd_network(clean_project)
    folder = str((clean_project / SSD_CONFIG).parent.relative_to(clean_project))
    pipecheck(
        "train", folder, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", "--force", cwd=clean_project
    )
    done = pipecheck("export", folder, "--python", fake_python, "--tflite", cwd=clean_project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "ok: TFLite against the SavedModel on the same image: largest score difference 0.0000, largest box "
        "difference 0.0010 over the 2 detections scoring 0.1 or more" in done.stdout
    )
