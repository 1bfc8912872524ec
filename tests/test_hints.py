"""A fix hint says only what is known: no number the files do not give, no brace where none can be missing."""

from __future__ import annotations

import re
from pathlib import Path

from support.cli import lint_json
from support.projects import CONFIG

from pipecheck.schema import load_schema
from pipecheck.textproto import parse_located

PIPELINE = load_schema(Path.cwd()).pipeline_class


def first_error(text: str):
    return parse_located(Path("pipeline.config"), text, PIPELINE, recover=True).errors[0]


def test_a_config_pasted_with_its_line_numbers_is_told_so():
    numbered = "  1model {\n  2  ssd {\n  3    num_classes: 1\n  4  }\n  5}\n"
    assert "line number" in first_error(numbered).hint
    assert "line number" not in (first_error("model {\n  ssd {\n    1num_classes: 1\n  }\n}\n").hint or "")


def test_a_field_of_another_block_in_no_enclosing_block_is_not_blamed_on_a_brace():
    """batch_norm_trainable: SsdFeatureExtractor's in older OD APIs, Faster R-CNN's only in 2.8."""
    old = "model {\n  ssd {\n    feature_extractor {\n      batch_norm_trainable: true\n    }\n  }\n}\n"
    hint = first_error(old).hint
    assert hint.startswith("delete it") and "model.faster_rcnn.feature_extractor" in hint and "brace" not in hint
    closed_early = "model {\n  ssd {\n    num_classes: 1\n  }\n  image_resizer { keep_aspect_ratio_resizer {} }\n}\n"
    assert "closing brace" in first_error(closed_early).hint  # model.ssd.image_resizer is below: a brace moved it


def test_an_absent_checkpoint_hint_names_no_checkpoint_number(clean_project):
    config = clean_project / CONFIG
    written = re.search(r'fine_tune_checkpoint: "([^"]+)"', config.read_text()).group(1)
    centernet = "pre-trained/centernet_mobilenetv2_fpn_od/checkpoint/ckpt-301"  # the zoo's CenterNet MobileNetV2
    config.write_text(config.read_text().replace(written, centernet))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC302"]
    assert "ckpt-0" not in finding["hint"] and "checkpoint/" in finding["hint"]
    config.write_text(config.read_text().replace(centernet, "faces_cubes/training/models/my_run/ckpt-9"))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC302"]
    assert "zoo" not in finding["hint"] and "that run's" in finding["hint"]  # a run's own checkpoint


def test_an_absent_checkpoint_named_like_a_tf1_run_s_is_not_to_be_copied(clean_project):
    """first_model.ckpt (locked split, tf1-home-kante): a TF1 Saver's name; its files would be refused once copied."""
    config = clean_project / CONFIG
    written = re.search(r'fine_tune_checkpoint: "([^"]+)"', config.read_text()).group(1)
    for tf1 in ("/home/shawn/models/training/first_model.ckpt", "C:\\\\runs\\\\frozen.ckpt-2000"):
        config.write_text(config.read_text().replace(written, tf1))
        [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC302"]
        assert "copy" not in finding["hint"] and "TF2 zoo archive" in finding["hint"], finding
        assert "object-based" in finding["hint"] and finding["message"].startswith("not found"), finding
        written = tf1


def test_training_on_the_evaluation_records_is_told_on_the_training_line(clean_project):
    """renotte-cataloguing (locked split): both readers read test.record; the edit is the training reader's."""
    config = clean_project / CONFIG
    text = config.read_text()
    train, test = (n for n, line in enumerate(text.splitlines(), 1) if "input_path:" in line)
    config.write_text(text.replace('"faces_cubes/training/train.record"', '"faces_cubes/training/test.record"'))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC204"]
    assert finding["field"] == "train_input_reader.tf_record_input_reader.input_path[0]", finding
    assert f"(lines {train}, {test})" in finding["message"] and f"line {train})" in finding["hint"], finding
    assert "train.record" in finding["hint"] and "keeps test.record" in finding["hint"], finding
    windows = 'input_path: "faces_cubes\\\\training\\\\test.record"'  # absent here, as in a published repository
    config.write_text(re.sub(r'input_path: "[^"]+"', lambda _match: windows, text))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC204"]
    assert finding["field"].startswith("train_input_reader") and f"(lines {train}, {test})" in finding["message"]
    config.write_text(text.replace('"faces_cubes/training/test.record"', '"faces_cubes/training/train.record"'))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC204"]  # the usual copy: eval's line
    assert finding["field"] == "eval_input_reader[0].tf_record_input_reader.input_path[0]", finding


def test_a_label_map_proposed_for_a_placeholder_is_said_not_to_fit_num_classes(clean_project):
    """ssd-levinj: the hint proposed label_map.pbtxt (ids 1, 2, 4) for num_classes 3, which nothing reported."""
    config = clean_project / CONFIG
    text = config.read_text().replace('"faces_cubes/training/label_map.pbtxt"', '"PATH_TO_BE_CONFIGURED"')
    config.write_text(text)
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC201"]
    assert finding["hint"] == 'write label_map_path: "faces_cubes/training/label_map.pbtxt"', finding  # ids 1, 2 fit
    config.write_text(text.replace("num_classes: 2", "num_classes: 1", 1))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC201"]
    assert "its ids (1, 2) go past num_classes 1" in finding["hint"] and "num_classes: 2" in finding["hint"], finding


def test_the_records_an_empty_input_path_hint_proposes_follow_the_reader_and_the_other_readers_folder(clean_project):
    """tf1-data-model: the training records are under data/; a training reader is not offered test.record."""
    config = clean_project / CONFIG
    text = config.read_text().replace('"faces_cubes/training/train.record"', '"data/train.record"')
    config.write_text(text.replace('"faces_cubes/training/test.record"', '""'))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC203"]
    assert finding["hint"].endswith('input_path: "data/test.record"'), finding
    config.write_text(text.replace('"data/train.record"', '""'))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC203"]
    assert finding["hint"].endswith('input_path: "faces_cubes/training/train.record"'), finding


def test_num_steps_hint_follows_the_cosine_schedule_else_names_no_number(clean_project, tmp_path):
    config = clean_project / CONFIG
    text = re.sub(r"num_steps: \d+", "num_steps: 0", config.read_text())
    config.write_text(re.sub(r"total_steps: \d+", "total_steps: 4000", text))
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC507"]
    assert finding["hint"] == "write num_steps: 4000 (the cosine schedule's total_steps)"
    alone = tmp_path / "elsewhere" / "pipeline.config"  # no course layout, no cosine schedule
    alone.parent.mkdir()
    alone.write_text("model { ssd { num_classes: 1 } }\ntrain_config { batch_size: 1 }\n")
    [finding] = [f for f in lint_json(target=str(alone))[1]["findings"] if f["rule"] == "PC507"]
    assert "course" not in finding["hint"] and not re.search(r"\d", finding["hint"])
