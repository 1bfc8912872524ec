"""What issue 23's guarded writer had left open: a folder renamed into place over one that appeared after the
check, TensorFlow's writes following a link swapped in after the run folder was checked, and the multi-worker
training's temp_worker_NNN folders never checked at all. The stand-in for the OD API (fake_python) writes
with plain file writes where TensorFlow would.
"""

from pathlib import Path

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET

import pipecheck.folders as folders
from pipecheck.atomic import UnsafeWrite

FOLDER = f"faces_cubes/training/{NET}"


def _appear(destination, what: str, outside) -> None:
    if what == "an empty folder":
        destination.mkdir()
    else:
        if what == "a link to a folder":
            outside.mkdir()
        destination.symlink_to(outside)


@pytest.fixture(params=["renameat2", "mkdir claim"])
def rename_kind(request, monkeypatch):
    """Each way place_folder refuses to replace: Linux's renameat2, and the claim where it is missing."""
    if request.param == "mkdir claim":
        monkeypatch.setattr(folders, "_renameat2", lambda: None)
    return request.param


@pytest.mark.parametrize("what", ["an empty folder", "a dangling link", "a link to a folder"])
def test_a_placed_folder_never_replaces_what_appeared_after_the_check(tmp_path, monkeypatch, rename_kind, what):
    """Before, place_folder checked the name, then rename(2) replaced an empty folder made meanwhile (another
    export's, placed between the check and the rename) and failed on a link with a bare ENOTDIR."""
    staging, destination, outside = tmp_path / ".saved_model1.partial", tmp_path / "saved_model1", tmp_path / "out"
    staging.mkdir()
    (staging / "saved_model.pb").write_text("this export's\n")
    _appear(destination, what, outside)
    monkeypatch.setattr(folders, "lstat_or_none", lambda path: None)  # the check saw nothing there
    with pytest.raises(UnsafeWrite, match="saved_model1 (exists|is a link)"):
        folders.place_folder(staging, destination)
    assert (staging / "saved_model.pb").read_text() == "this export's\n"
    assert destination.is_symlink() == (what != "an empty folder")
    assert not outside.exists() or list(outside.iterdir()) == []


def test_a_placed_folder_takes_a_free_name(tmp_path, rename_kind):
    staging, destination = tmp_path / ".tflite1.partial", tmp_path / "tflite1"
    staging.mkdir()
    (staging / "model.tflite").write_bytes(b"fake")
    folders.place_folder(staging, destination)
    assert (destination / "model.tflite").read_bytes() == b"fake" and not staging.exists()


def test_an_export_placed_meanwhile_makes_the_second_refuse_with_exit_2(
    clean_project, fake_python, monkeypatch, capsys
):
    """The other export put saved_model1 in place just after this one's last check: it refuses, naming it.
    Before, the rename replaced the other export's folder (empty here) and this one said "exported"."""
    from pipecheck.wrappers.export_job import ExportJob

    assert run_cli("train", FOLDER, "--num-steps", "2", "--python", fake_python, "--ram", "16GiB")[0] == 0
    saved, real_check, checks = clean_project / FOLDER / "saved_model1", ExportJob._refuse_taken, []

    def other_export_places_after_the_last_check(job):
        real_check(job)
        checks.append(True)
        if len(checks) == 3:  # __post_init__, before the exporter, after it: place_folder's own check sees nothing
            real_lstat = folders.lstat_or_none
            monkeypatch.setattr(folders, "lstat_or_none", lambda path: None if path == saved else real_lstat(path))
            saved.mkdir()

    monkeypatch.setattr(ExportJob, "_refuse_taken", other_export_places_after_the_last_check)
    code, _out = run_cli("export", CONFIG, "--ram", "16GiB", "--python", fake_python)
    error = capsys.readouterr().err
    assert code == 2 and f"{FOLDER}/saved_model1 exists" in error, error
    assert list(saved.iterdir()) == [] and not (clean_project / FOLDER / ".saved_model1.partial").exists()


def _swapped_as_the_od_api_starts(monkeypatch, folder, outside) -> None:
    """What a process racing pipecheck does after its last check, when the log is open and the OD API about to
    start: move the run folder away and link its name outside the project."""
    real_open_log = folders.open_log

    def open_then_swap(path, root):
        log = real_open_log(path, root)
        outside.mkdir()
        folder.rename(folder.with_name(folder.name + ".moved"))
        folder.symlink_to(outside)
        return log

    monkeypatch.setattr(folders, "open_log", open_then_swap)


def test_train_writes_into_the_folder_it_checked_not_a_link_swapped_in_after(
    clean_project, fake_python, monkeypatch, tmp_path, capsys
):
    """Before, the OD API got checkpoint1 by name: a link put there after pipecheck's check took every
    checkpoint and event file outside the project. Now it writes through the folder's descriptor."""
    run, outside = clean_project / FOLDER / "checkpoint1", tmp_path / "outside"
    _swapped_as_the_od_api_starts(monkeypatch, run, outside)
    code, _out = run_cli("train", FOLDER, "--num-steps", "2", "--python", fake_python, "--ram", "16GiB")
    error = capsys.readouterr().err
    assert list(outside.iterdir()) == []
    assert (run.with_name("checkpoint1.moved") / "checkpoint").exists()
    assert code == 2 and f"{FOLDER}/checkpoint1 was renamed or replaced" in error, error


def test_eval_writes_its_events_into_the_run_it_checked(clean_project, fake_python, monkeypatch, tmp_path, capsys):
    assert run_cli("train", FOLDER, "--num-steps", "2", "--python", fake_python, "--ram", "16GiB")[0] == 0
    run, outside = clean_project / FOLDER / "checkpoint1", tmp_path / "outside"
    _swapped_as_the_od_api_starts(monkeypatch, run, outside)
    code, _out = run_cli("eval", FOLDER, "--python", fake_python, "--ram", "16GiB")
    assert list(outside.iterdir()) == [] and list((run.with_name("checkpoint1.moved") / "eval").iterdir())
    assert code == 2 and "checkpoint1 was renamed or replaced" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["", "train/"])
def test_a_resumed_multi_worker_training_writes_through_no_temp_worker_link(
    clean_project, fake_python, tmp_path, capsys, where
):
    """A checkout can ship checkpoint1/temp_worker_001 -> ~: the OD API's worker 1 writes its checkpoints
    there, then deletes the folder's content (tf.io.gfile.rmtree follows the link). Before, nothing checked it."""
    from test_distribute import _two_shards

    _two_shards(clean_project)
    assert run_cli("train", FOLDER, "--num-steps", "2", "--python", fake_python, "--ram", "16GiB")[0] == 0
    run, outside = clean_project / FOLDER / "checkpoint1", tmp_path / "home"
    outside.mkdir()
    (outside / "keep").write_text("the user's\n")
    (run / where / "temp_worker_001").symlink_to(outside)
    code, _out = run_cli(
        "train", FOLDER, "--resume", "1", "--local-workers", "2", "--num-steps", "4", "--python", fake_python,
        "--ram", "16GiB",
    )  # fmt: skip
    error = capsys.readouterr().err
    assert [p.name for p in outside.iterdir()] == ["keep"]
    assert code == 2 and f"checkpoint1/{where}temp_worker_001 is a link (to {outside})" in error, error


def test_a_run_folder_is_made_in_the_config_folder_checked_not_a_link_swapped_in(tmp_path, monkeypatch):
    """Before, claim_next_run checked the config's folder, then made checkpointN by path: a link put at the
    folder's name in between got the new run folder made outside the project."""
    import pipecheck.wrappers.runs as runs

    root, outside = tmp_path / "project", tmp_path / "outside"
    config_dir = root / "training"
    config_dir.mkdir(parents=True)
    outside.mkdir()
    real_runs_beside = runs.runs_beside

    def swapped_then_listed(folder):
        config_dir.rename(root / "training.moved")
        config_dir.symlink_to(outside)
        return real_runs_beside(folder)

    monkeypatch.setattr(runs, "runs_beside", swapped_then_listed)
    run = runs.claim_next_run(config_dir, root)
    assert list(outside.iterdir()) == [] and (root / "training.moved" / "checkpoint1").is_dir()
    assert run.number == 1


def test_an_export_writes_into_its_staging_folder_and_never_places_a_link_swapped_in(
    clean_project, fake_python, monkeypatch, tmp_path, capsys
):
    """Before, the exporter got .saved_model1.partial by name: a link put there once it was claimed took the
    model outside the project, and the link itself was then renamed into place as saved_model1."""
    assert run_cli("train", FOLDER, "--num-steps", "2", "--python", fake_python, "--ram", "16GiB")[0] == 0
    staging, outside = clean_project / FOLDER / ".saved_model1.partial", tmp_path / "outside"
    _swapped_as_the_od_api_starts(monkeypatch, staging, outside)
    code, _out = run_cli("export", CONFIG, "--ram", "16GiB", "--python", fake_python)
    assert list(outside.iterdir()) == [] and not (clean_project / FOLDER / "saved_model1").is_symlink()
    assert (staging.with_name(".saved_model1.partial.moved") / "saved_model" / "saved_model.pb").exists()
    assert code == 2 and ".saved_model1.partial was renamed or replaced" in capsys.readouterr().err


def test_eval_writes_through_no_link_inside_its_events_folder(clean_project, fake_python, tmp_path, capsys):
    """The OD API writes an evaluation's events into eval/<the eval reader's name>/: before, only eval/ itself
    was checked, so a checkout's eval/coco -> ~ took them outside the project."""
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("eval_input_reader: {", 'eval_input_reader: {\n  name: "coco"', 1))
    assert run_cli("train", FOLDER, "--num-steps", "2", "--python", fake_python, "--ram", "16GiB")[0] == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (clean_project / FOLDER / "checkpoint1" / "eval").mkdir()
    (clean_project / FOLDER / "checkpoint1" / "eval" / "coco").symlink_to(outside)
    code, _out = run_cli("eval", FOLDER, "--python", fake_python, "--ram", "16GiB")
    assert list(outside.iterdir()) == []
    assert code == 2 and "checkpoint1/eval/coco is a link" in capsys.readouterr().err


def swapped_after_check(real, swapped: Path, outside: Path, only_at: Path | None = None):
    """`real` (a walk to a folder: safe_folder, opened_folder) that, once it has checked (`only_at`: that folder
    only), moves `swapped` aside to <name>.moved and puts a link to `outside` at its name: the race the tests
    below close. The walk's result must still lead into the project, never through the link."""

    def check(folder, top):
        checked = real(folder, top)
        if (only_at is None or folder == only_at) and not swapped.is_symlink():
            swapped.rename(swapped.with_name(f"{swapped.name}.moved"))
            swapped.symlink_to(outside)
        return checked

    return check


def test_a_guarded_write_lands_in_the_folder_checked_not_through_a_link_swapped_in(tmp_path, monkeypatch):
    """Before, write_guarded walked the folders, then locked, created and renamed the file by path: a link
    put at a folder's name above the file's in between (runs -> ~, ~/reports existing) took a report, a
    baseline or a run's record outside the project (only the last folder was opened without following links)."""
    import pipecheck.atomic as atomic

    root, outside = tmp_path / "project", tmp_path / "outside"
    (root / "runs" / "reports").mkdir(parents=True)
    (outside / "reports").mkdir(parents=True)

    monkeypatch.setattr(atomic, "safe_folder", swapped_after_check(atomic.safe_folder, root / "runs", outside))
    if hasattr(atomic, "opened_folder"):
        monkeypatch.setattr(atomic, "opened_folder", swapped_after_check(atomic.opened_folder, root / "runs", outside))
    atomic.write_guarded(root / "runs" / "reports" / "report.json", b"{}\n", root)
    assert list((outside / "reports").iterdir()) == []
    assert (root / "runs.moved" / "reports" / "report.json").read_bytes() == b"{}\n"


def test_a_log_is_opened_in_the_folder_checked_not_through_a_link_swapped_in(tmp_path, monkeypatch):
    """Before, open_log walked the log's folders, then opened the log by path: a link put at a folder's name
    in between (runs -> ~, ~/checkpoint1 existing) appended the training's output outside the project."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    (root / "runs" / "checkpoint1").mkdir(parents=True)
    (outside / "checkpoint1").mkdir(parents=True)

    monkeypatch.setattr(folders, "safe_folder", swapped_after_check(folders.safe_folder, root / "runs", outside))
    monkeypatch.setattr(folders, "opened_folder", swapped_after_check(folders.opened_folder, root / "runs", outside))
    with folders.open_log(root / "runs" / "checkpoint1" / "train.log", root) as log:
        log.write("step 1\n")
    assert list((outside / "checkpoint1").iterdir()) == []
    assert (root / "runs.moved" / "checkpoint1" / "train.log").read_text() == "step 1\n"


def test_a_new_file_is_created_in_the_folder_checked_not_through_a_link_swapped_in(tmp_path, monkeypatch):
    """create_new (init's config and label map, cluster's recipes) walked the folders, then created the file by
    path: a link put at a folder's name above the file's in between created it outside the project."""
    import pipecheck.atomic as atomic

    root, outside = tmp_path / "project", tmp_path / "outside"
    (root / "faces_cubes" / "cluster").mkdir(parents=True)
    (outside / "cluster").mkdir(parents=True)

    monkeypatch.setattr(atomic, "safe_folder", swapped_after_check(atomic.safe_folder, root / "faces_cubes", outside))
    monkeypatch.setattr(
        atomic, "opened_folder", swapped_after_check(atomic.opened_folder, root / "faces_cubes", outside)
    )
    atomic.create_new(root / "faces_cubes" / "cluster" / "tfjob.yaml", b"kind: TFJob\n", root)
    assert list((outside / "cluster").iterdir()) == []
    assert (root / "faces_cubes.moved" / "cluster" / "tfjob.yaml").read_bytes() == b"kind: TFJob\n"


def test_a_run_record_is_never_written_into_a_linked_run_folder(tmp_path):
    """The record's folder is walked from the config's folder: checkpointN itself is never followed as a link."""
    from pipecheck.wrappers.runs import Run, update_record

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pipecheck-run.json").write_text('{"starts": []}\n')
    (tmp_path / "checkpoint1").symlink_to(outside)
    with pytest.raises(UnsafeWrite, match="checkpoint1 is a link"):
        update_record(Run(1, tmp_path / "checkpoint1"), last_step=5)
    assert (outside / "pipecheck-run.json").read_text() == '{"starts": []}\n'


def test_init_extracts_the_network_in_the_folder_checked_not_through_a_link_swapped_in(
    archive, empty_root, tmp_path, monkeypatch
):
    """Before, init checked pre-trained/, then made its staging folder, extracted and renamed by path: a link
    put at pre-trained's name in between got the whole network extracted outside the project."""
    import pipecheck.wrappers.scaffold as scaffold
    from pipecheck.project import PRETRAINED_FOLDERS

    outside, pretrained = tmp_path / "outside", empty_root / PRETRAINED_FOLDERS[0]
    outside.mkdir()

    monkeypatch.setattr(
        scaffold, "safe_folder", swapped_after_check(scaffold.safe_folder, pretrained, outside, only_at=pretrained)
    )
    monkeypatch.setattr(
        folders, "opened_folder", swapped_after_check(folders.opened_folder, pretrained, outside, only_at=pretrained)
    )
    code, _out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert list(outside.iterdir()) == []
    assert (empty_root / f"{pretrained.name}.moved" / NET / "pipeline.config").is_file() and code == 2
