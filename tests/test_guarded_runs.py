"""What issue 23's guarded writer had left open: a folder renamed into place over one that appeared after the
check, TensorFlow's writes following a link swapped in after the run folder was checked, and the multi-worker
training's temp_worker_NNN folders never checked at all. The stand-in for the OD API (fake_python) writes
with plain file writes where TensorFlow would.
"""

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
