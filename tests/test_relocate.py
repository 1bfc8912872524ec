"""Paths written for another machine find the project's file, and label maps are found by content."""

from pathlib import Path

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG, NET

from pipecheck.project.files import is_label_map, scan
from pipecheck.project.relocate import tail_matches, tail_parts

LABEL_MAP = "faces_cubes/training/label_map.pbtxt"


def files(root: Path, *names: str) -> list[Path]:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    return [root / name for name in names]


@pytest.mark.parametrize(
    "value",
    [
        "/content/drive/MyDrive/project/annotations/label_map.pbtxt",
        r"C:\Users\me\Desktop\TensorFlow\workspace\annotations\label_map.pbtxt",
        "C:/tf/annotations/label_map.pbtxt",
        "/home/someone/annotations/label_map.pbtxt",
        "~/annotations/label_map.pbtxt",
    ],
)
def test_the_longest_tail_wins_whatever_the_system(tmp_path, value):
    project = files(tmp_path, "annotations/label_map.pbtxt", "other/label_map.pbtxt", "annotations/train.record")
    assert tail_matches(value, project, tmp_path) == [tmp_path / "annotations/label_map.pbtxt"]


def test_equal_tails_are_all_listed(tmp_path):
    project = files(tmp_path, "a/label_map.pbtxt", "b/label_map.pbtxt")
    assert tail_matches("/content/label_map.pbtxt", project, tmp_path) == project
    assert tail_matches("/content/nothing.pbtxt", project, tmp_path) == []


def test_a_checkpoint_prefix_and_a_shard_pattern_relocate_to_a_prefix_and_a_pattern(tmp_path):
    project = files(
        tmp_path,
        "pre-trained/net/checkpoint/ckpt-0.index",
        "pre-trained/net/checkpoint/ckpt-0.data-00000-of-00001",
        "data/train.record-00000-of-00002",
        "data/train.record-00001-of-00002",
    )
    assert tail_matches("/content/models/net/checkpoint/ckpt-0", project, tmp_path, prefix=True) == [
        tmp_path / "pre-trained/net/checkpoint/ckpt-0"
    ]
    assert tail_matches("/content/data/train.record-?????-of-00002", project, tmp_path) == [
        tmp_path / "data/train.record-?????-of-00002"
    ]


def test_drive_letters_home_markers_and_both_separators_are_parts_aside():
    assert tail_parts(r"C:\a\b/c.txt") == ["a", "b", "c.txt"]
    assert tail_parts("~/x/./y") == ["x", "y"]


def test_label_maps_are_known_by_content_not_name(tmp_path):
    (tmp_path / "labelmap.pbtxt").write_text("item {\n  id: 1\n  name: 'cyclist'\n}\n")
    (tmp_path / "object-detection.pbtxt").write_text("item { name: 'a' id: 1 }")
    (tmp_path / "label_map_notes.txt").write_text("the item I wanted")
    (tmp_path / "graph.pbtxt").write_text("node { name: 'x' op: 'Const' }")
    assert is_label_map(tmp_path / "labelmap.pbtxt") and not is_label_map(tmp_path / "graph.pbtxt")
    assert [p.name for p in scan(tmp_path).label_maps] == ["labelmap.pbtxt", "object-detection.pbtxt"]


def set_path(root: Path, old: str, new: str) -> Path:
    config = root / CONFIG
    config.write_text(config.read_text().replace(old, new))
    return config


def test_rules_read_the_local_file_and_say_so(clean_project):
    label_map = clean_project / LABEL_MAP
    label_map.write_text(label_map.read_text() + "item { id: 3 name: 'three' }\n")
    set_path(clean_project, f'"{LABEL_MAP}"', '"/content/drive/MyDrive/tod_tf2/faces_cubes/training/label_map.pbtxt"')
    code, document = lint_json()
    rules = [f["rule"] for f in document["findings"]]
    assert code == 1 and rules.count("PC206") == 1 and "PC101" in rules and "PC202" not in rules
    relocated = next(f for f in document["findings"] if f["rule"] == "PC206")
    assert relocated["message"].startswith("written for another machine: ")
    assert relocated["hint"] == f'the project has it: write label_map_path: "{LABEL_MAP}"'


def test_fix_writes_the_local_path(clean_project):
    config = set_path(
        clean_project, f'"{LABEL_MAP}"', r'"C:\\Users\\me\\tod_tf2\\faces_cubes\\training\\label_map.pbtxt"'
    )
    code, _out = run_cli("fix", CONFIG)
    assert code == 0 and config.read_text().count(f'"{LABEL_MAP}"') == 2
    assert [f for f in lint_json()[1]["findings"] if f["severity"] != "info"] == []


def test_several_matches_decide_nothing(clean_project):
    copy = clean_project / "faces_cubes/other/label_map.pbtxt"
    copy.parent.mkdir()
    copy.write_text((clean_project / LABEL_MAP).read_text())
    set_path(clean_project, f'"{LABEL_MAP}"', '"/content/label_map.pbtxt"')
    code, document = lint_json()
    relocated = [f for f in document["findings"] if f["rule"] == "PC206"]
    assert code == 1 and len(relocated) == 1 and "2 files end like it" in relocated[0]["message"]
    assert "PC101" in {u["rule"] for u in document["undecided"]}


def test_a_checkpoint_from_another_machine_is_read_here(clean_project):
    set_path(clean_project, f'"pre-trained/{NET}/checkpoint/ckpt-0"', f'"/content/models/{NET}/checkpoint/ckpt-0"')
    code, document = lint_json()
    assert [f["rule"] for f in document["findings"] if f["severity"] != "info"] == ["PC206"]
    assert document["original"].endswith(f"{NET}/pipeline.config") and "PC311" not in {
        u["rule"] for u in document["undecided"]
    }
