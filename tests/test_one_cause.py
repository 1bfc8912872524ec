"""One finding per cause, and only what is true (issue 18 items 1, 2 and 4)."""

from __future__ import annotations

from pathlib import Path

from support.cli import lint_json, run_cli
from support.projects import CONFIG, replace_once

LABEL_MAP = "faces_cubes/training/label_map.pbtxt"
COSINE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def shown(document) -> list[dict]:
    return [f for f in document["findings"] if f["tier"] == "default"]


def test_the_course_schedule_is_one_finding_whose_hint_is_the_whole_fitted_schedule(course_project):
    findings = [f for f in shown(lint_json()[1]) if f["rule"] in ("PC501", "PC502", "PC503", "PC509")]
    leads = [f for f in findings if f["group"] is None]
    assert len(findings) == 4 and len(leads) == 1, findings
    for value in ("learning_rate_base: 0.000625", "warmup_steps 100", "total_steps 1000", "warmup_learning_rate"):
        assert value in leads[0]["hint"], leads[0]["hint"]
    out = run_cli("check", CONFIG, "--ram", "16GiB", "--no-diff")[1]
    assert sum(1 for line in out.splitlines() if line.startswith(CONFIG) and " PC50" in line) == 1, out
    assert sum(1 for line in out.splitlines() if line.startswith("    line 10")) == 3, out  # one line per detail


def test_the_header_is_two_lines_and_could_not_decide_is_one(clean_project, monkeypatch):
    (clean_project / "faces_cubes/training/train.record").unlink()
    monkeypatch.setenv("COLUMNS", "100")  # the course's config path alone takes most of the line
    out = run_cli("check", CONFIG, "--no-diff")[1].splitlines()
    assert out[0].startswith("pipecheck ") and out[1].startswith("root ") and out[2] == ""
    monkeypatch.setenv("COLUMNS", "200")  # where it fits, one line
    wide = run_cli("check", CONFIG, "--no-diff")[1].splitlines()
    assert wide[0].startswith("pipecheck ") and " · root . · original " in wide[0] and wide[1] == ""
    assert len([line for line in out if "could not decide" in line]) == 1


def test_pc402_says_killed_only_when_the_estimate_without_its_margin_exceeds_the_ram(clean_project):
    """Batch 1 of the course network: 2.48 GiB without the 15 % margin, 2.85 GiB with it."""
    [within] = [f for f in lint_json("--ram", "2.6GiB")[1]["findings"] if f["rule"] == "PC402"]
    assert within["severity"] == "warning" and "would be killed" not in within["message"]
    assert "with the 15 % margin" in within["message"]
    [over] = [f for f in lint_json("--ram", "2GiB")[1]["findings"] if f["rule"] == "PC402"]
    assert over["severity"] == "error" and "would be killed" in over["message"]


def test_pc503_stays_quiet_when_the_rate_has_decayed_to_a_quarter_at_num_steps(clean_project):
    config = clean_project / CONFIG
    replace_once(config, "total_steps: 1000", "total_steps: 1400")  # at step 1000: 22 % of the base
    assert "PC503" not in [f["rule"] for f in lint_json()[1]["findings"]]
    replace_once(config, "total_steps: 1400", "total_steps: 5000")  # at step 1000: 92 %
    assert "PC503" in [f["rule"] for f in lint_json()[1]["findings"]]


def test_linear_scaling_is_for_momentum_only():
    from pipecheck.artifacts.pipeline_config import load_pipeline_config
    from pipecheck.rulekit import scaled_to_batch
    from pipecheck.schema import load_schema

    pipeline = load_schema(Path.cwd()).pipeline_class

    def config(optimizer: str, batch: int):
        text = (
            f"train_config {{ batch_size: {batch} optimizer {{ {optimizer} {{ learning_rate {{ "
            "constant_learning_rate { learning_rate: 0.001 } } } } }"
        )
        return load_pipeline_config(Path("p.config"), pipeline, text)

    assert scaled_to_batch(config("momentum_optimizer", 2), config("momentum_optimizer", 128)) == 2 / 128
    assert scaled_to_batch(config("adam_optimizer", 2), config("adam_optimizer", 128)) is None


def test_an_id_0_is_pc102_alone_not_also_a_pc101_advising_num_classes_0(clean_project):
    (clean_project / LABEL_MAP).write_text("item { id: 0 name: 'one' }\nitem { id: 1 name: 'two' }\n")
    rules = [f["rule"] for f in lint_json()[1]["findings"]]
    assert "PC102" in rules and "PC101" not in rules


def test_a_label_map_pasted_twice_is_one_finding_naming_every_repeated_name(clean_project):
    items = "".join(f"item {{ id: {i} name: '{n}' }}\n" for i, n in enumerate("abcdefg", 1))
    renumbered = "".join(f"item {{ id: {i + 7} name: '{n}' }}\n" for i, n in enumerate("abcdefg", 1))
    replace_once(clean_project / CONFIG, "num_classes: 2", "num_classes: 14")
    (clean_project / LABEL_MAP).write_text(items + renumbered)
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC105"]
    assert all(f"'{n}' (ids {i}, {i + 7})" in finding["message"] for i, n in enumerate("abcdefg", 1))
    (clean_project / LABEL_MAP).write_text(items + items)  # the same items again: harmless, one info
    replace_once(clean_project / CONFIG, "num_classes: 14", "num_classes: 7")
    found = [f for f in lint_json()[1]["findings"] if f["rule"] in ("PC103", "PC105")]
    assert [(f["rule"], f["severity"]) for f in found] == [("PC105", "info")] and "harmless" in found[0]["message"]


def test_a_placeholder_in_both_label_map_paths_names_both_lines(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace(LABEL_MAP, "PATH_TO_BE_CONFIGURED/label_map.txt"))
    lines = [n for n, line in enumerate(config.read_text().splitlines(), 1) if "label_map_path" in line]
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC201"]
    assert len(lines) == 2 and f"(lines {lines[0]}, {lines[1]})" in finding["message"]


def test_an_absent_folder_is_one_finding_whatever_it_holds(clean_project):
    config = clean_project / CONFIG
    text = config.read_text()
    text = text.replace(f'label_map_path: "{LABEL_MAP}"', 'label_map_path: "data/train_labels.pbtxt"', 1)
    config.write_text(text.replace(f'label_map_path: "{LABEL_MAP}"', 'label_map_path: "data/eval_labels.pbtxt"', 1))
    found = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC202"]
    assert [f["tier"] for f in found].count("default") == 1, found
    [lead] = [f for f in found if f["tier"] == "default"]
    assert lead["message"].startswith("data does not exist here") and "train_labels.pbtxt" in lead["message"]
    assert all(f["group"] == "PC202" for f in found if f is not lead)  # the files, each a detail of that cause


def test_verbose_prints_the_files_of_an_absent_folder_under_its_finding_not_beside_it(clean_project):
    config = clean_project / CONFIG
    train = 'input_path: "faces_cubes/training/train.record"'
    replace_once(config, train, 'input_path: "data/a.record"\n    input_path: "data/b.record"')
    out = run_cli("check", CONFIG, "-v", "--no-diff")[1].splitlines()
    causes = [line for line in out if line.startswith(CONFIG) and " PC202 " in line]
    files = [line for line in out if line.startswith("    " + CONFIG) and " PC202 " in line]
    assert len(causes) == 1 and len(files) == 2, "\n".join(out)


def test_a_relative_path_absent_here_is_not_another_machines_and_no_export_label_map_stands_in(clean_project):
    export = clean_project / "exported" / "saved_model"
    export.mkdir(parents=True)
    (export / "label_map.pbtxt").write_text("item { id: 1 display_name: 'one' }\n")
    (clean_project / LABEL_MAP).unlink()
    rules = [f["rule"] for f in lint_json()[1]["findings"]]
    assert "PC202" in rules and "PC206" not in rules
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace(LABEL_MAP, "/content/drive/MyDrive/saved_model/label_map.pbtxt"))
    found = {f["rule"]: f for f in lint_json()[1]["findings"]}
    assert "PC206" not in found and "PC202" in found  # written elsewhere, but the export's copy is not it


def test_pc306_says_from_detection_checkpoint_decides_when_the_type_is_unset(clean_project):
    replace_once(clean_project / CONFIG, 'fine_tune_checkpoint_type: "detection"', "from_detection_checkpoint: true")
    [finding] = [f for f in lint_json()[1]["findings"] if f["rule"] == "PC306"]
    assert "it decides" in finding["message"] and "'detection'" in finding["message"]


def test_a_relative_path_climbing_out_of_the_checkout_is_another_layouts_and_is_relocated(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace(LABEL_MAP, "../../elsewhere/faces_cubes/training/label_map.pbtxt"))
    found = {f["rule"]: f for f in lint_json()[1]["findings"]}
    assert "PC206" in found and LABEL_MAP in found["PC206"]["message"] and "PC202" not in found
