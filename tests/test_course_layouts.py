"""Both course trees: init lays out the one it finds, fix accepts both spellings (issue 10, item 9)."""

import shutil

import pytest
from support.cli import lint_json, run_cli
from support.projects import EXAMPLE, NET, link_checkpoint_graph

PRETRAINED = EXAMPLE / "tod_tf2" / "pre-trained" / NET
DATA = EXAMPLE / "tod_tf2" / "faces_cubes" / "training"
OLD_TREE_CONFIG = f"training/faces_cubes/{NET}/pipeline.config"


@pytest.fixture
def old_tree(tmp_path, monkeypatch):
    """The course's single-project tod_tf2/ (variant A): pre_trained/ and training/, the label map as .txt."""
    root = tmp_path / "tod_tf2"
    (root / "pre_trained").mkdir(parents=True)
    (root / "training" / "faces_cubes").mkdir(parents=True)
    shutil.copyfile(DATA / "label_map.pbtxt", root / "training/faces_cubes/label_map.txt")
    for name in ("train.record", "test.record"):
        shutil.copyfile(DATA / name, root / "training/faces_cubes" / name)
    monkeypatch.chdir(root)
    return root


def test_init_in_the_old_tree_creates_training_project_net(archive, old_tree):
    code, out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 0, out
    assert (old_tree / OLD_TREE_CONFIG).read_bytes() == (PRETRAINED / "pipeline.config").read_bytes()
    assert (old_tree / "pre_trained" / NET / "checkpoint/ckpt-0.index").is_file()
    assert not (old_tree / "faces_cubes").exists() and not (old_tree / "pre-trained").exists()
    assert (old_tree / "images/faces_cubes/train").is_dir()
    assert f"pipecheck fix training/faces_cubes/{NET}" in out
    assert "  [x] 1. write the label map training/faces_cubes/label_map.txt" in out  # the .txt already there


def test_the_new_tree_still_gets_project_training_net(archive, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "training").mkdir()  # a training/ folder, but this project already has its own tree
    (tmp_path / "faces_cubes/training").mkdir(parents=True)
    assert run_cli("init", str(archive), "--project", "faces_cubes")[0] == 0
    assert (tmp_path / f"faces_cubes/training/{NET}/pipeline.config").is_file()
    assert not (tmp_path / "training/faces_cubes").exists()


def test_init_then_fix_in_the_old_tree_leaves_only_steps_and_batch(archive, old_tree):
    assert run_cli("init", str(archive), "--project", "faces_cubes")[0] == 0
    link_checkpoint_graph(old_tree)  # the example's stand-in is PC312's; a zoo archive's checkpoint is not
    run_cli("fix", f"training/faces_cubes/{NET}", "--ram", "16GiB")
    code, report = lint_json(target=OLD_TREE_CONFIG)
    left = {f["field"] for f in report["findings"] if f["severity"] != "info"}
    assert left == {"train_config.batch_size", "train_config.num_steps"}, report["findings"]


def test_fix_writes_the_spelling_the_tree_has(archive, old_tree):
    """A config written for the other course version: pre-trained/ and label_map.pbtxt in a tree that has
    pre_trained/ and label_map.txt."""
    assert run_cli("init", str(archive), "--project", "faces_cubes")[0] == 0
    config = old_tree / OLD_TREE_CONFIG
    text = config.read_text()
    text = text.replace('"PATH_TO_BE_CONFIGURED/resnet50.ckpt-1"', f'"pre-trained/{NET}/checkpoint/ckpt-0"')
    text = text.replace('"PATH_TO_BE_CONFIGURED/label_map.txt"', '"training/faces_cubes/label_map.pbtxt"')
    config.write_text(text)
    code, report = lint_json(target=OLD_TREE_CONFIG)
    wrong = {f["rule"]: f["hint"] for f in report["findings"] if f["rule"] in ("PC202", "PC206", "PC302")}
    assert f"pre_trained/{NET}/checkpoint/ckpt-0" in wrong["PC206"]  # the tail exists here: PC206's relocation
    assert "training/faces_cubes/label_map.txt" in wrong["PC202"]
    code, out = run_cli("fix", OLD_TREE_CONFIG, "--ram", "16GiB")
    fixed = config.read_text()
    assert f'fine_tune_checkpoint: "pre_trained/{NET}/checkpoint/ckpt-0"' in fixed
    assert fixed.count('label_map_path: "training/faces_cubes/label_map.txt"') == 2
    code, report = lint_json(target=OLD_TREE_CONFIG)
    assert not [f for f in report["findings"] if f["rule"] in ("PC202", "PC206", "PC302")]


def test_fix_writes_pre_trained_with_a_hyphen_in_the_new_tree(course_project):
    from support.projects import CONFIG

    config = course_project / CONFIG
    config.write_text(
        config.read_text().replace('"pre-trained/', '"pre_trained/').replace("label_map.pbtxt", "label_map.txt")
    )
    run_cli("fix", CONFIG, "--ram", "16GiB")
    fixed = config.read_text()
    assert f'"pre-trained/{NET}/checkpoint/ckpt-0"' in fixed and "label_map.txt" not in fixed
