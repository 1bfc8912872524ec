"""One finding per cause: what several rules would each say about one mistake is said once."""

import re

import pytest
from support.cli import lint_json
from support.projects import CONFIG, replace_once

LABEL_MAP = "faces_cubes/training/label_map.pbtxt"


def test_ids_with_a_gap_and_num_classes_below_them_are_one_finding(clean_project):
    (clean_project / LABEL_MAP).write_text(
        "item { id: 1 name: 'one' }\nitem { id: 2 name: 'two' }\nitem { id: 4 name: 'three' }\n"
    )
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 3"))
    code, document = lint_json()
    shown = [f for f in document["findings"] if f["rule"].startswith("PC10")]
    assert [f["rule"] for f in shown] == ["PC101"], shown  # not PC104 as well
    assert "id 3 has no item" in shown[0]["message"] and "4..4 train as background" in shown[0]["message"]


def test_missing_files_in_one_missing_folder_are_one_finding(clean_project):
    config = clean_project / CONFIG
    paths = "\n".join(f'    input_path: "/app/project/data/train/segment-{i}.tfrecord"' for i in range(12))
    config.write_text(config.read_text().replace('    input_path: "faces_cubes/training/train.record"', paths))
    code, document = lint_json()
    missing = [f for f in document["findings"] if f["rule"] == "PC202" and f["tier"] == "default"]
    assert code == 1 and len(missing) == 1
    assert missing[0]["message"] == (
        "/app/project/data/train does not exist here "
        "(12 records: segment-0.tfrecord, segment-1.tfrecord, segment-2.tfrecord ...)"
    )
    details = [f for f in document["findings"] if f["rule"] == "PC202" and f["tier"] == "detail"]
    assert len(details) == 12  # -v and the JSON list every file up to rules._missing.DETAILS
    assert "elided" not in missing[0]


def test_missing_train_and_eval_records_are_one_finding(clean_project):
    (clean_project / "faces_cubes/training/train.record").unlink()
    (clean_project / "faces_cubes/training/test.record").unlink()
    shown = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC202" and f["tier"] == "default"]
    assert [f["message"] for f in shown] == ["2 records absent here: train.record, test.record"]


def test_a_tf1_config_leads_with_one_finding_naming_the_tf2_network(clean_project):
    config = clean_project / CONFIG
    text = config.read_text().replace("type: 'faster_rcnn_resnet50_keras'", "type: 'faster_rcnn_resnet101'")
    config.write_text(text.replace("train_config: {", "train_config: {\n  from_detection_checkpoint: true", 1))
    code, document = lint_json()
    lead = [f for f in document["findings"] if f["rule"] == "PC021"]
    assert code == 1 and len(lead) == 1 and document["findings"][0] == lead[0]
    assert lead[0]["message"].endswith("model_main_tf2.py cannot train it")
    assert "from_detection_checkpoint" in lead[0]["message"]
    assert lead[0]["hint"].startswith("pipecheck init faster_rcnn_resnet101_v1_640x640_coco17_tpu-8.tar.gz --project")


def test_one_tf1_habit_alone_is_not_a_tf1_config(clean_project):
    config = clean_project / CONFIG
    config.write_text(
        config.read_text().replace("train_config: {", "train_config: {\n  from_detection_checkpoint: true", 1)
    )
    rules = [f["rule"] for f in lint_json()[1]["findings"]]
    assert "PC306" in rules and "PC021" not in rules


def schedule_findings(root, schedule: str, num_steps: int = 5000) -> list[dict]:
    config = root / "faces_cubes/training/schedule/pipeline.config"
    config.parent.mkdir(parents=True)
    config.write_text(
        f"model {{ ssd {{ num_classes: 2 }} }}\ntrain_config {{ batch_size: 2 num_steps: {num_steps} "
        f"optimizer {{ momentum_optimizer {{ learning_rate {{ {schedule} }} }} }} }}\n"
    )
    return [f for f in lint_json(target=str(config.relative_to(root)))[1]["findings"] if f["rule"] == "PC511"]


def test_a_manual_schedule_beyond_num_steps_is_reported_and_one_within_is_not(clean_project):
    tf1_pets = (
        "manual_step_learning_rate { initial_learning_rate: 0.0002 schedule { step: 900000 learning_rate: 2e-5 } }"
    )
    found = schedule_findings(clean_project, tf1_pets)
    assert len(found) == 1 and "the first at 900000" in found[0]["message"]
    (clean_project / "faces_cubes/training/schedule/pipeline.config").unlink()
    (clean_project / "faces_cubes/training/schedule").rmdir()
    assert schedule_findings(clean_project, tf1_pets.replace("900000", "4000")) == []


def test_a_smooth_exponential_decay_is_not_a_staircase(clean_project):
    smooth = (
        "exponential_decay_learning_rate { initial_learning_rate: 0.004 decay_steps: 800720 decay_factor: 0.95 "
        "staircase: false }"
    )
    assert schedule_findings(clean_project, smooth) == []


def test_the_course_shows_what_needs_a_person_and_one_line_for_what_tf2_ignores(course_project):
    from support.cli import run_cli

    code, out = run_cli("check", CONFIG, "--no-diff", "--ram", "16GiB")
    assert code == 0 and "PC509 warning" in out and "PC602 info" in out  # the course's traps
    assert "    line 105: PC501 warmup_steps 2000" in out  # the schedule is one finding, its parts one line each
    assert "PC406" not in out and "PC402" not in out and "PC717" not in out
    names = "sync_replicas, startup_delay_steps, replicas_to_aggregate"
    assert f"3 settings TF2 ignores ({names}): pipecheck fix removes them" in out.splitlines()
    verbose = run_cli("check", CONFIG, "--no-diff", "--ram", "16GiB", "-v")[1]
    assert verbose.count("PC406 info") == 3 and "PC402 info" in verbose and "settings TF2 ignores" not in verbose
    selected = run_cli("check", CONFIG, "--no-diff", "--ram", "16GiB", "--select", "PC406")[1]
    assert selected.count("PC406 info") == 3
    tiers = {(f["rule"], f["tier"]) for f in lint_json()[1]["findings"]}
    assert {("PC406", "quiet"), ("PC402", "detail"), ("PC717", "detail"), ("PC509", "default")} <= tiers


def test_the_sarif_marks_each_finding_with_its_tier(course_project):
    import json

    from support.cli import run_cli

    document = json.loads(run_cli("check", CONFIG, "--format", "sarif", "--ram", "16GiB")[1])
    tiers = {(r["ruleId"], r["properties"]["tier"]) for r in document["runs"][0]["results"]}
    assert ("PC406", "quiet") in tiers and ("PC501", "default") in tiers


def test_the_details_of_a_tf1_config_are_shown_under_its_finding(clean_project):
    from support.cli import run_cli

    config = clean_project / CONFIG
    text = config.read_text().replace("type: 'faster_rcnn_resnet50_keras'", "type: 'faster_rcnn_inception_v2'")
    config.write_text(text.replace("train_config: {", "train_config: {\n  load_all_detection_checkpoint_vars: true", 1))
    code, out = run_cli("check", CONFIG, "--no-diff")
    lines = out.splitlines()
    lead = next(i for i, line in enumerate(lines) if " PC021 error" in line)
    assert lines[lead].startswith(CONFIG)
    details = [line for line in lines[lead:] if line.startswith("    line ")]  # one line each (-v: whole)
    assert any(" PC607 " in line for line in details) and any(" PC306 " in line for line in details), out
    verbose = run_cli("check", CONFIG, "--no-diff", "-v")[1].splitlines()
    assert any(line.startswith(f"    {CONFIG}") and "PC607 error" in line for line in verbose)
    groups = {f["rule"]: f["group"] for f in lint_json()[1]["findings"]}
    assert groups["PC607"] == groups["PC306"] == "PC021" and groups["PC021"] is None


def test_rules_that_cannot_decide_for_one_reason_are_one_line(clean_project):
    from support.cli import run_cli

    (clean_project / "faces_cubes/training/train.record").unlink()
    (clean_project / "faces_cubes/training/test.record").unlink()
    out = run_cli("check", CONFIG, "--no-diff")[1]
    collapsed = [line for line in out.splitlines() if "could not decide" in line]
    verbose = run_cli("check", CONFIG, "--no-diff", "-v")[1]
    each = [line for line in verbose.splitlines() if "could not decide" in line]
    assert len(each) > 10 and all(line.endswith("no record file exists (see PC202)") for line in each)
    codes = sorted(line.split()[0] for line in each)
    assert collapsed == [
        f"{len(each)} rules could not decide ({codes[0]}…{codes[-1]}): no record file exists (see PC202)"
    ]


def test_a_oneof_written_three_times_is_one_finding_naming_what_merge_keeps(clean_project):
    from pathlib import Path

    from google.protobuf import text_format

    from pipecheck.schema import load_schema

    config = clean_project / CONFIG
    three = "random_horizontal_flip { } random_adjust_brightness { } ssd_random_crop { }"
    config.write_text(config.read_text().replace("random_horizontal_flip {\n    }", three, 1))
    assert three in config.read_text()
    found = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC012"]
    message = text_format.Merge(config.read_text(), load_schema(Path.cwd()).pipeline_class())
    kept = message.train_config.data_augmentation_options[0].WhichOneof("preprocessing_step")
    assert len(found) == 1 and kept == "ssd_random_crop"
    assert found[0]["message"].startswith(
        "train_config.data_augmentation_options[0] sets "
        "random_horizontal_flip, random_adjust_brightness, ssd_random_crop"
    )
    assert found[0]["message"].endswith(f"only {kept} (line {found[0]['line']}) is kept")


def test_one_name_given_to_five_ids_is_one_finding(clean_project):
    (clean_project / LABEL_MAP).write_text("".join(f"item {{ id: {i} name: 'car' }}\n" for i in range(1, 6)))
    found = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC105"]
    assert [f["message"] for f in found] == [
        "name 'car' is used by ids 1, 2, 3, 4, 5: label_map_util keeps the last, so boxes labelled 'car' all get id 5"
    ]


def test_github_annotations_and_the_pull_request_table_show_the_default_tier(course_project):
    from support.cli import run_cli

    github = run_cli("check", CONFIG, "--format", "github", "--ram", "16GiB")[1]
    markdown = run_cli("check", CONFIG, "--format", "markdown", "--ram", "16GiB")[1]
    for out in (github, markdown):
        assert "PC501" in out and "PC406" not in out and "PC402" not in out


@pytest.mark.parametrize("extractor, flagged", [("mobilenet_v2_fpn_sep_conv", False), ("resnet50_v2", True)])
def test_adam_at_5e_3_is_the_zoos_rate_for_centernet_mobilenet_v2_fpn_only(clean_project, extractor, flagged):
    """The zoo trains CenterNet MobileNet V2 FPN with Adam at 5e-3 (batch 512), the other CenterNets at 1e-3."""
    from support.cli import lint_json

    (clean_project / CONFIG).write_text(
        f'model {{ center_net {{ num_classes: 2 feature_extractor {{ type: "{extractor}" }} }} }} '
        "train_config { batch_size: 2 num_steps: 1000 optimizer { adam_optimizer { learning_rate { "
        "constant_learning_rate { learning_rate: 0.005 } } } } }\n"
    )
    _code, document = lint_json("--select", "PC510")
    assert any(f["rule"] == "PC510" for f in document["findings"]) == flagged


def _tiers(document, *rules) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in document["findings"]:
        if finding["rule"] in rules:
            found.setdefault(finding["rule"], set()).add(finding["tier"])
    return found


def test_a_harmless_consequence_is_a_detail_and_a_harmful_one_is_shown(clean_project):
    """More outputs than classes, empty ids under num_classes, display_name-only items: the OD API trains them right."""
    config = clean_project / CONFIG
    replace_once(config, "num_classes: 2", "num_classes: 5")
    (clean_project / LABEL_MAP).write_text("item { id: 1 display_name: 'one' }\nitem { id: 3 display_name: 'two' }\n")
    assert _tiers(lint_json()[1], "PC101", "PC104", "PC108") == {"PC101": {"detail"}, "PC108": {"detail"}}
    replace_once(config, "num_classes: 5", "num_classes: 3")
    (clean_project / LABEL_MAP).write_text("item { id: 1 }\nitem { id: 3 name: 'two' }\n")
    document = lint_json()[1]
    assert _tiers(document, "PC104", "PC108") == {"PC104": {"detail"}, "PC108": {"default"}}
    replace_once(config, "num_classes: 3", "num_classes: 1")
    assert _tiers(lint_json()[1], "PC101")["PC101"] == {"default"}  # class 3's boxes train as background


def test_a_train_reader_without_label_map_is_a_detail_an_eval_reader_without_one_is_shown(clean_project):
    config = clean_project / CONFIG
    text = config.read_text()
    config.write_text(text.replace('  label_map_path: "faces_cubes/training/label_map.pbtxt"\n', "", 1))
    assert _tiers(lint_json()[1], "PC110") == {"PC110": {"detail"}}
    config.write_text(text.replace('label_map_path: "faces_cubes/training/label_map.pbtxt"', 'label_map_path: ""'))
    assert _tiers(lint_json()[1], "PC110") == {"PC110": {"detail", "default"}}


def test_an_empty_input_path_is_no_path_and_absent_records_are_not_zero_records(clean_project):
    """ "" resolved to the launch folder made PC701 read a folder; absent training records made PC716 count 0."""
    config = clean_project / CONFIG
    replace_once(config, 'input_path: "faces_cubes/training/test.record"', 'input_path: ""')
    (clean_project / "faces_cubes/training/train.record").unlink()
    document = lint_json()[1]
    rules = {f["rule"]: f for f in document["findings"]}
    assert "PC701" not in rules and "PC716" not in rules, rules.keys()
    assert rules["PC203"]["field"] == "eval_input_reader[0].tf_record_input_reader.input_path[0]"
    assert "test.record" in rules["PC203"]["hint"]
    assert any(u["rule"] == "PC716" for u in document["undecided"])


def test_pc403_names_only_the_zoo_s_own_batch(clean_project):
    """64 is the course network's zoo batch; 96 was chosen, and fits a roomy machine: nothing to say."""
    config = clean_project / CONFIG
    replace_once(config, "batch_size: 1\n", "batch_size: 64\n")
    assert "PC403" in {f["rule"] for f in lint_json("--ram", "512GiB")[1]["findings"]}
    replace_once(config, "batch_size: 64\n", "batch_size: 96\n")
    assert "PC403" not in {f["rule"] for f in lint_json("--ram", "512GiB")[1]["findings"]}


def test_pc510_does_not_judge_a_tf1_network_by_the_tf2_zoo_s_rates(clean_project):
    """MobileDet's own TF1 rate is 0.8 at batch 512: PC021 names the TF2 config to start from instead."""
    config = clean_project / CONFIG
    replace_once(config, "type: 'faster_rcnn_resnet50_keras'", "type: 'faster_rcnn_resnet101'")
    config.write_text(re.sub(r"learning_rate_base: [\d.e-]+", "learning_rate_base: 0.8", config.read_text(), count=1))
    document = lint_json()[1]
    assert "PC510" not in {f["rule"] for f in document["findings"]}
    assert any(u["rule"] == "PC510" and "TF1 feature extractor" in u["reason"] for u in document["undecided"])


def test_pc526_on_fpnlite_640_follows_the_published_run_of_its_320_twin(tmp_path, monkeypatch):
    """renotte-course-afb, tutorial-jake (locked split): the zoo's 640 config is the 320 one but for the resizer."""
    monkeypatch.chdir(tmp_path)
    text = (
        "model { ssd { num_classes: 2 image_resizer { fixed_shape_resizer { height: 640 width: 640 } }"
        " feature_extractor { type: 'ssd_mobilenet_v2_fpn_keras' } } }\n"
        "train_config { batch_size: 6 num_steps: 2000 optimizer { momentum_optimizer { learning_rate {"
        " cosine_decay_learning_rate { learning_rate_base: 0.08 total_steps: 50000 warmup_learning_rate: 0.026666"
        " warmup_steps: 1000 } } momentum_optimizer_value: 0.9 } } }\n"
    )
    for batch, tier in ((6, "detail"), (4, "detail"), (3, "default")):
        (tmp_path / "pipeline.config").write_text(text.replace("batch_size: 6", f"batch_size: {batch}"))
        [found] = [f for f in lint_json(target="pipeline.config")[1]["findings"] if f["rule"] == "PC526"]
        assert found["tier"] == tier and "fpnlite_640x640" in found["message"], found
        assert ("ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8, the same config" in found["message"]) == (
            tier == "detail"
        ), found


def test_pc526_is_a_detail_where_a_published_run_trains_the_network_so(tmp_path, monkeypatch):
    """FPNLite 320 at batch 4 with the zoo's 0.08 and warmup: TFODCourse trains it so; at batch 2 nobody does."""
    monkeypatch.chdir(tmp_path)
    text = (
        "model { ssd { num_classes: 2 image_resizer { fixed_shape_resizer { height: 320 width: 320 } }"
        " feature_extractor { type: 'ssd_mobilenet_v2_fpn_keras' } } }\n"
        "train_config { batch_size: 4 num_steps: 2000 optimizer { momentum_optimizer { learning_rate {"
        " cosine_decay_learning_rate { learning_rate_base: 0.08 total_steps: 2000 warmup_learning_rate: 0.026666"
        " warmup_steps: 1000 } } momentum_optimizer_value: 0.9 } } }\n"
    )
    (tmp_path / "pipeline.config").write_text(text)
    [found] = [f for f in lint_json(target="pipeline.config")[1]["findings"] if f["rule"] == "PC526"]
    assert found["tier"] == "detail" and "TFODCourse" in found["message"], found
    (tmp_path / "pipeline.config").write_text(text.replace("batch_size: 4", "batch_size: 2"))
    [found] = [f for f in lint_json(target="pipeline.config")[1]["findings"] if f["rule"] == "PC526"]
    assert found["tier"] == "default"
    net = tmp_path / "pre-trained/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8"  # the zoo's config beside: PC509
    net.mkdir(parents=True)
    (net / "pipeline.config").write_text(text.replace("batch_size: 4", "batch_size: 128"))
    ckpt = 'fine_tune_checkpoint: "pre-trained/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/checkpoint/ckpt-0" '
    for batch, tier in ((4, "detail"), (2, "default")):
        edited = text.replace("batch_size: 4", f"batch_size: {batch}").replace(
            "train_config { ", "train_config { " + ckpt
        )
        (tmp_path / "pipeline.config").write_text(edited)
        document = lint_json(target="pipeline.config")[1]
        assert {f["tier"] for f in document["findings"] if f["rule"] == "PC509"} == {tier}, document["findings"]
