"""`pipecheck init`: a zoo archive or folder becomes the course's (or the tutorial's) tree; nothing is overwritten."""

import io
import shutil
import tarfile

import pytest
from support.cli import run_cli
from support.projects import CONFIG, EXAMPLE, NET, link_checkpoint_graph

PRETRAINED = EXAMPLE / "tod_tf2" / "pre-trained" / NET


def tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_init_lays_out_the_course_project(archive, empty_root):
    code, out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 0, out
    for name in ("pipeline.config", "checkpoint/ckpt-0.index", "checkpoint/ckpt-0.data-00000-of-00001"):
        assert (empty_root / "pre-trained" / NET / name).read_bytes() == (PRETRAINED / name).read_bytes()
    assert (empty_root / CONFIG).read_bytes() == (PRETRAINED / "pipeline.config").read_bytes()
    assert (empty_root / "faces_cubes/images/train").is_dir()
    assert f"  [ ] 3. pipecheck fix faces_cubes/training/{NET}" in out
    assert f"  [ ] 5. pipecheck train faces_cubes/training/{NET}" in out
    assert not [p for p in (empty_root / "pre-trained").iterdir() if p.name.startswith(".")]  # no staging left


def test_init_then_fix_leaves_only_steps_and_batch(archive, empty_root):
    data = EXAMPLE / "tod_tf2" / "faces_cubes" / "training"
    (empty_root / "faces_cubes/training").mkdir(parents=True)
    for name in ("label_map.pbtxt", "train.record", "test.record"):
        shutil.copyfile(data / name, empty_root / "faces_cubes/training" / name)
    assert run_cli("init", str(archive), "--project", "faces_cubes")[0] == 0
    link_checkpoint_graph(empty_root)  # the example's stand-in is PC312's; a zoo archive's checkpoint is not
    run_cli("fix", f"faces_cubes/training/{NET}", "--ram", "16GiB")
    from support.cli import lint_json

    code, report = lint_json()
    left = {f["field"] for f in report["findings"] if f["severity"] != "info"}
    assert left == {"train_config.batch_size", "train_config.num_steps"}, report["findings"]


def test_init_never_overwrites(archive, empty_root):
    run_cli("init", str(archive), "--project", "faces_cubes")
    (empty_root / CONFIG).write_text("# my edits\n")
    before = tree(empty_root)
    code, out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 2
    assert (empty_root / CONFIG).read_text() == "# my edits\n" and tree(empty_root) == before


def test_a_second_project_reuses_the_extracted_network(archive, empty_root):
    run_cli("init", str(archive), "--project", "faces_cubes")
    marker = empty_root / "pre-trained" / NET / "mine.txt"
    marker.write_text("kept")
    code, out = run_cli("init", str(archive), "--project", "other", "--classes", "a,b,c")
    assert code == 0 and f"kept     pre-trained/{NET}/" in out
    assert marker.read_text() == "kept"
    assert (empty_root / f"other/training/{NET}/pipeline.config").is_file()
    label_map = (empty_root / "other/training/label_map.pbtxt").read_text()
    assert 'id: 3\n  name: "c"' in label_map


def test_the_course_spelling_already_there_is_kept(archive, empty_root):
    (empty_root / "pre_trained").mkdir()
    run_cli("init", str(archive), "--project", "faces_cubes")
    assert (empty_root / "pre_trained" / NET / "pipeline.config").is_file()
    assert not (empty_root / "pre-trained").exists()


def test_init_from_an_extracted_folder(empty_root):
    code, out = run_cli("init", str(PRETRAINED), "--project", "faces_cubes")
    assert code == 0, out
    assert (empty_root / "pre-trained" / NET / "checkpoint/ckpt-0.index").is_file()


def test_the_tutorial_layout(archive, empty_root):
    code, out = run_cli("init", str(archive), "--project", "training_demo", "--layout", "tutorial", "--classes", "cube")
    assert code == 0, out
    demo = empty_root / "training_demo"
    assert (demo / "pre-trained-models" / NET / "pipeline.config").is_file()
    assert (demo / "models" / NET / "pipeline.config").is_file()
    assert (demo / "annotations/label_map.pbtxt").is_file() and (demo / "exported-models").is_dir()
    assert "  cd training_demo" in out
    code, out = run_cli("check", str(demo / "models" / NET), "--root", str(demo), "--ram", "16GiB")
    assert "tutorial: training_demo/models/<name>" in out
    run_cli("fix", str(demo / "models" / NET), "--root", str(demo))
    assert '"annotations/label_map.pbtxt"' in (demo / "models" / NET / "pipeline.config").read_text()
    code, out = run_cli("check", str(demo / "annotations/label_map.pbtxt"), "--root", str(demo), "--ram", "16GiB")
    assert f"models/{NET}/pipeline.config" in out  # a label map stands for the configs that read it


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil"])
def test_an_archive_reaching_outside_is_refused(tmp_path, empty_root, name):
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(PRETRAINED / "pipeline.config", arcname=f"{NET}/pipeline.config")
        info = tarfile.TarInfo(name)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    code, out = run_cli("init", str(path), "--project", "faces_cubes")
    assert code == 2
    assert not (tmp_path / "escape.txt").exists() and tree(empty_root) == []


def test_a_link_in_the_archive_is_refused(tmp_path, empty_root):
    path = tmp_path / "link.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(PRETRAINED / "pipeline.config", arcname=f"{NET}/pipeline.config")
        info = tarfile.TarInfo(f"{NET}/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    assert run_cli("init", str(path), "--project", "faces_cubes")[0] == 2
    assert tree(empty_root) == []


def test_what_is_not_a_zoo_network_gets_a_message(tmp_path, empty_root, capsys):
    not_archive = tmp_path / "notes.txt"
    not_archive.write_text("hello")
    assert run_cli("init", str(not_archive), "--project", "p")[0] == 2
    assert "not a readable tar archive" in capsys.readouterr().err
    no_config = tmp_path / "bare.tar.gz"
    with tarfile.open(no_config, "w:gz") as tar:
        tar.add(PRETRAINED / "checkpoint", arcname=f"{NET}/checkpoint")
    assert run_cli("init", str(no_config), "--project", "p")[0] == 2
    assert f"no {NET}/pipeline.config inside" in capsys.readouterr().err
    assert tree(empty_root) == []


def test_a_network_folder_without_its_config_is_not_taken_over(archive, empty_root):
    (empty_root / "pre-trained" / NET).mkdir(parents=True)
    (empty_root / "pre-trained" / NET / "notes.txt").write_text("mine")
    code, out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 2
    assert tree(empty_root) == ["pre-trained", f"pre-trained/{NET}", f"pre-trained/{NET}/notes.txt"]
