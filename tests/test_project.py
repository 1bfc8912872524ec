"""Both course layouts and the TF2 tutorial's lint cleanly from their launch root; wrong roots are explained."""

import shutil

import pytest
from support.cli import lint_json
from support.projects import CONFIG, NET, example_module, link_checkpoint_graph

LAYOUTS = {
    "course": f"faces_cubes/training/{NET}",
    "course-a": f"training/faces_cubes/{NET}",
    "tutorial": "models/my_faster_rcnn",
}


@pytest.fixture(scope="module")
def fresh_projects(tmp_path_factory):
    """Each layout made from scratch by the example's generator (real JPEGs, records, checkpoint)."""
    made = {}
    for layout in LAYOUTS:
        root = tmp_path_factory.mktemp(layout) / ("training_demo" if layout == "tutorial" else "tod_tf2")
        example_module().build(root, layout, records=(6, 3))
        made[layout] = link_checkpoint_graph(root)
    return made


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_fresh_project_in_each_layout_lints_without_errors(layout, fresh_projects, tmp_path, monkeypatch):
    root = tmp_path / "root"
    shutil.copytree(fresh_projects[layout], root)
    monkeypatch.chdir(root)
    code, document = lint_json(target=LAYOUTS[layout])
    assert code == 0, [f for f in document["findings"] if f["severity"] == "error"]
    assert document["original"].endswith(f"{NET}/pipeline.config")
    assert len(document["diff"]) == 13


def test_the_layout_is_recognised(fresh_projects, monkeypatch):
    from pipecheck.project import discover_project

    for layout, target in LAYOUTS.items():
        monkeypatch.chdir(fresh_projects[layout])
        assert discover_project(target).layout.startswith(layout.split("-")[0])


def test_from_the_wrong_folder_paths_are_reported_with_the_root_to_use(course_project, monkeypatch):
    monkeypatch.chdir(course_project / "faces_cubes")
    code, document = lint_json(target=f"training/{NET}")
    assert code == 1
    missing = [f for f in document["findings"] if f["rule"] == "PC202"]
    assert {f["field"] for f in missing} >= {
        "train_input_reader.label_map_path",
        "train_input_reader.tf_record_input_reader.input_path[0]",
    }
    assert all(f"--root {course_project}" in f["hint"] for f in missing)


def test_root_option_resolves_paths_from_elsewhere(course_project, monkeypatch):
    monkeypatch.chdir(course_project.parent)
    code, document = lint_json("--root", str(course_project), target=f"{course_project.name}/{CONFIG}")
    assert code == 0, document["findings"]


def test_original_option_overrides_discovery(clean_project):
    other = clean_project / "elsewhere.config"
    other.write_text((clean_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 7"))
    code, document = lint_json("--original", str(other))
    assert document["original"] == str(other)
    assert [row["field"] for row in document["diff"]] == ["model.faster_rcnn.num_classes"]


def test_without_an_original_there_is_no_diff_but_the_lint_runs(clean_project):
    shutil.rmtree(clean_project / "pre-trained" / NET / "checkpoint")
    (clean_project / "pre-trained" / NET / "pipeline.config").unlink()
    code, document = lint_json()
    assert document["original"] is None and document["diff"] == []
    assert {f["rule"] for f in document["findings"] if f["severity"] == "error"} == {"PC302"}


def test_a_folder_without_a_config_is_a_usage_error(clean_project, capsys):
    from pipecheck.cli.main import main

    assert main(["faces_cubes"]) == 2
    assert "no pipeline.config in this folder" in capsys.readouterr().err
