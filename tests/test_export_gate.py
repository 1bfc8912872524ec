"""The export gate on detections as the launcher reports them, and `pipecheck export` failing on it."""

import pytest
from support.cli import pipecheck
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
        "over the 2 TFLite detections scoring 0.3 or more: 2 are the SavedModel's, largest box difference 0.0030, "
        "largest score difference 0.0000 (tolerance 0.02)" in line
        for line in verdict.passed
    )


# What a real export returned on the first test image (SSD MobileNet V2 320 trained 300 steps at
# batch 4, TF 2.15.1): the SavedModel's NMS is per class, so an unsure box comes once per class;
# the TFLite model's is across classes, each box once with its best class. Rank against rank,
# the two lists differ by 0.49 in box; matched by class and box they agree to 0.0007.
REAL_SAVED_MODEL = [
    (1, 0.5707, [0.1099, 0.7151, 0.3689, 0.8996]),
    (2, 0.5695, [0.1099, 0.7151, 0.3689, 0.8996]),
    (2, 0.4978, [0.4312, 0.1652, 0.7084, 0.3562]),
    (1, 0.4856, [0.4312, 0.1652, 0.7084, 0.3562]),
    (2, 0.4805, [0.6375, 0.6493, 0.9133, 0.8404]),
    (1, 0.4774, [0.6396, 0.6451, 0.913, 0.8344]),
    (2, 0.4602, [0.5847, 0.5876, 0.9117, 0.8803]),
    (1, 0.4275, [0.5847, 0.5876, 0.9117, 0.8803]),
    (1, 0.3631, [0.4074, 0.1279, 0.7346, 0.4141]),
    (2, 0.3449, [0.4074, 0.1279, 0.7346, 0.4141]),
]
REAL_TFLITE = [
    (2, 0.5698, [0.1101, 0.715, 0.3696, 0.8997]),
    (2, 0.498, [0.4313, 0.1648, 0.7089, 0.3561]),
    (2, 0.48, [0.6375, 0.6491, 0.9134, 0.8403]),
    (2, 0.4606, [0.5848, 0.5873, 0.9119, 0.8801]),
    (1, 0.3634, [0.4078, 0.1277, 0.7353, 0.4139]),
]


def detections(rows):
    return [{"class": klass, "score": score, "box": box} for klass, score, box in rows]


def test_a_real_export_matches_by_class_and_box_not_by_rank():
    found = {"detections": detections(REAL_SAVED_MODEL), "tflite": {"detections": detections(REAL_TFLITE)}}
    verdict = check_export(found, [1, 2], 2)
    assert verdict.failed == []
    assert verdict.max_box_difference == pytest.approx(0.0007, abs=1e-6)
    assert verdict.max_score_difference == pytest.approx(0.0005, abs=1e-6)


def test_a_box_the_saved_models_per_class_nms_dropped_is_explained_not_failed():
    # Three neighbouring boxes: TFLite's NMS across classes keeps the class-1 box (0.60), which
    # drops the class-2 box at 0.55 next to it, so the class-2 box at 0.53 one step further, too
    # far from the first, survives; the SavedModel's NMS for class 2 alone keeps the 0.55 box
    # and drops the 0.53 one.
    saved = [(1, 0.60, [0.42, 0.15, 0.69, 0.34]), (2, 0.55, [0.43, 0.17, 0.70, 0.36])]
    tflite = [(1, 0.60, [0.42, 0.15, 0.69, 0.34]), (2, 0.53, [0.44, 0.19, 0.71, 0.38])]
    verdict = check_export({"detections": detections(saved), "tflite": {"detections": detections(tflite)}}, [1, 2], 2)
    assert verdict.failed == []
    assert verdict.passed[-1] == (
        "TFLite against the SavedModel on the same image, over the 2 TFLite detections scoring 0.3 or more: 1 are "
        "the SavedModel's, largest box difference 0.0000, largest score difference 0.0000 (tolerance 0.02); 1 more "
        "the SavedModel's NMS dropped for a higher-scoring box of the same class overlapping them by IoU 0.6 or "
        "more (its NMS is per class, TFLite's across classes)"
    )
    stricter = check_export(
        {"detections": detections(saved), "tflite": {"detections": detections(tflite)}}, [1, 2], 2, nms_iou=0.9
    )
    assert stricter.failed[-1].endswith("and no higher-scoring box of that class overlaps it by IoU 0.9 or more")


def test_export_judges_with_the_ssd_configs_own_nms_threshold(clean_project, capsys):
    from pipecheck.artifacts.pipeline_config import load_pipeline_config
    from pipecheck.schema import load_schema
    from pipecheck.wrappers.export_job import _gate

    config_path = add_ssd_network(clean_project)
    saved = [(1, 0.60, [0.42, 0.15, 0.69, 0.34]), (2, 0.55, [0.43, 0.17, 0.70, 0.36])]
    tflite = [(1, 0.60, [0.42, 0.15, 0.69, 0.34]), (2, 0.53, [0.44, 0.19, 0.71, 0.38])]
    found = {"detections": detections(saved), "tflite": {"detections": detections(tflite)}}
    verdicts = []
    for threshold in ("0.6", "0.9"):
        text = config_path.read_text().replace("iou_threshold: 0.6", f"iou_threshold: {threshold}")
        config_path.write_text(text)
        config = load_pipeline_config(config_path, load_schema(REPO).pipeline_class)
        verdicts.append((_gate(found, None, config), capsys.readouterr().out))
    assert verdicts[0][0] == 0 and "overlapping them by IoU 0.6 or more" in verdicts[0][1]
    assert (
        verdicts[1][0] == 1 and "no higher-scoring box of that class overlaps it by IoU 0.9 or more" in verdicts[1][1]
    )


def test_scores_the_converted_model_lowers_fail_on_the_best_detection():
    # every lowered box has a higher-scoring SavedModel box over it, as an NMS drop would: only
    # the best detection, which both models keep whatever their NMS, shows that scores differ
    lowered = [(klass, round(score - 0.05, 4), box) for klass, score, box in REAL_TFLITE]
    found = {"detections": detections(REAL_SAVED_MODEL), "tflite": {"detections": detections(lowered)}}
    verdict = check_export(found, [1, 2], 2)
    assert verdict.failed[1:] == [
        "the TFLite detection of class 2 scoring 0.52 at [0.11, 0.71, 0.37, 0.90] is not the SavedModel's: its "
        "closest box of that class differs by 0.0007 and its score by 0.0497 (tolerance 0.02); it is the best "
        "TFLite detection, and both models keep their best box whatever their NMS: the converted model computes "
        "other scores or boxes"
    ]


def test_tflite_boxes_past_the_image_are_compared_clipped_as_the_saved_model_clips_them():
    # TF 2.21, the same training: the SavedModel says 1.0 where TFLite says 1.0514
    found = {
        "detections": detections([(2, 0.3376, [0.6512, 0.0158, 1.0, 0.4278])]),
        "tflite": {"detections": detections([(2, 0.3373, [0.6513, 0.0158, 1.0514, 0.4278])])},
    }
    verdict = check_export(found, [1, 2], 2)
    assert verdict.failed == [] and verdict.max_box_difference == pytest.approx(0.0001, abs=1e-6)
    assert verdict.passed[-1].endswith(
        "; 1 TFLite boxes reach outside the image, compared clipped to it as the SavedModel clips them "
        "(clip them in the app too)"
    )


def test_a_tflite_class_the_saved_model_never_found_fails():
    found = {
        "detections": detections(row for row in REAL_SAVED_MODEL if row[0] == 2),
        "tflite": {"detections": detections(REAL_TFLITE)},
    }
    verdict = check_export(found, [1, 2], 2)
    assert verdict.failed[1:] == [
        "the TFLite model found class 1 (score 0.36) where the SavedModel found none of that class"
    ]


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
    assert verdict.failed[1:] == [
        "the TFLite detection of class 1 scoring 0.40 at [0.55, 0.55, 0.75, 0.85] is not the SavedModel's: its "
        "closest box of that class differs by 0.0500 and its score by 0.0000 (tolerance 0.02), and no "
        "higher-scoring box of that class overlaps it by IoU 0.6 or more",
        "the TFLite detection of class 2 scoring 0.90 at [0.15, 0.25, 0.35, 0.45] is not the SavedModel's: its "
        "closest box of that class differs by 0.0500 and its score by 0.0000 (tolerance 0.02); it is the best "
        "TFLite detection, and both models keep their best box whatever their NMS: the converted model computes "
        "other scores or boxes",
    ]
    assert "over the 2 TFLite detections scoring 0.3 or more: 0 are the SavedModel's" in verdict.failed[0]
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
    assert any("boxes not compared, no TFLite detection scores 0.3 or more" in line for line in verdict.passed)


def test_nothing_to_check_is_not_a_failure():
    assert check_export({"detections": None}, [1, 2], 2).failed == []


def test_export_prints_the_gate_and_fails_on_shifted_class_ids(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    done = pipecheck(
        "export",
        FOLDER,
        "--python",
        fake_python,
        "--checkpoint",
        "1",
        cwd=clean_project,
        env={"FAKE_CLASS_SHIFT": "-1"},
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
        "ok: TFLite against the SavedModel on the same image, over the 2 TFLite detections scoring 0.3 or more: "
        "2 are the SavedModel's, largest box difference 0.0010, largest score difference 0.0000" in done.stdout
    )
