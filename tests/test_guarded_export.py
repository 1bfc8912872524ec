"""`pipecheck export` writes its folders as the guarded writer writes (issue 23): saved_modelN, tfliteN and
their hidden staging folders are never links, and two exports of one checkpoint never both say "exported".

A checkout can ship `saved_model1 -> /home/user/models` or `.saved_model1.partial -> /elsewhere`. Before,
the export wrote into the staging link (the exporter's mkdir follows it) and renamed the link into place; a
dangling `saved_model1` link made the rename fail with a bare ENOTDIR. Two exports of one checkpoint shared
one staging folder: the second removed the first one's files under it and "succeeded", the first then
crashed renaming onto the second's saved_model1. The stand-in for the OD API (fake_python) runs the export.
"""

import shutil

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET, SSD_CONFIG, add_ssd_network

from pipecheck.atomic import UnsafeWrite
from pipecheck.wrappers.launch import WorkflowError

FOLDER = f"faces_cubes/training/{NET}"


@pytest.fixture
def trained(clean_project, monkeypatch, fake_python):
    """A function linting the clean course config (after checkpoint1 is trained by the stand-in)."""
    from pipecheck.engine.runner import RunOptions
    from pipecheck.engine.runner import run as lint
    from pipecheck.i18n import set_language
    from pipecheck.wrappers.train_job import TrainJob

    set_language("en")
    monkeypatch.setenv("PIPECHECK_PROGRESS", "never")
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.001")

    def linted():
        return lint(RunOptions(target=clean_project / CONFIG, ram="16GiB"))

    assert TrainJob(linted(), FOLDER, python=fake_python, num_steps=2).run() == 0
    return linted


def export_job(linted, fake_python, **options):
    from pipecheck.wrappers.export_job import ExportJob

    return ExportJob(linted(), python=fake_python, **options)


@pytest.mark.parametrize("target", ["a folder", "nothing"])
@pytest.mark.parametrize("name", ["saved_model1", ".saved_model1.partial"])
def test_export_writes_into_no_linked_folder(trained, clean_project, fake_python, tmp_path, name, target):
    outside = tmp_path / "elsewhere"
    if target == "a folder":
        outside.mkdir()
    (clean_project / FOLDER / name).symlink_to(outside)
    with pytest.raises(UnsafeWrite, match=f"{name} is a link"):
        export_job(trained, fake_python).run()
    assert not outside.exists() or list(outside.iterdir()) == []
    assert (clean_project / FOLDER / name).is_symlink()


def test_export_refuses_a_linked_folder_with_exit_2_naming_it(trained, clean_project, fake_python, tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (clean_project / FOLDER / "saved_model1").symlink_to(outside)
    code, _out = run_cli("export", CONFIG, "--ram", "16GiB", "--python", fake_python)
    error = capsys.readouterr().err
    assert code == 2 and f"{FOLDER}/saved_model1 is a link (to {outside})" in error, error
    assert list(outside.iterdir()) == []


def test_export_writes_nothing_into_a_linked_config_folder(trained, clean_project, fake_python, tmp_path):
    """Before, the export log's guard refused it, but only after the staging folder's name was removed
    through the link: a folder of that name outside the project was deleted."""
    folder = clean_project / FOLDER
    outside = tmp_path / "elsewhere"
    shutil.move(folder, outside)
    folder.symlink_to(outside)
    (outside / ".saved_model1.partial").mkdir()
    (outside / ".saved_model1.partial" / "theirs").write_text("the user's\n")
    with pytest.raises(UnsafeWrite, match="is a link"):
        export_job(trained, fake_python).run()
    assert (outside / ".saved_model1.partial" / "theirs").read_text() == "the user's\n"
    assert not (outside / "saved_model1").exists()


@pytest.mark.parametrize("name", ["tflite1", ".tflite1.partial"])
def test_an_ssd_export_writes_no_tflite_into_a_link(clean_project, fake_python, monkeypatch, tmp_path, name):
    from pipecheck.engine.runner import RunOptions
    from pipecheck.engine.runner import run as lint
    from pipecheck.i18n import set_language
    from pipecheck.wrappers.train_job import TrainJob

    add_ssd_network(clean_project)
    set_language("en")
    monkeypatch.setenv("PIPECHECK_PROGRESS", "never")
    folder = (clean_project / SSD_CONFIG).parent
    assert (
        TrainJob(
            lint(RunOptions(target=clean_project / SSD_CONFIG, ram="16GiB")),
            folder,
            python=fake_python,
            num_steps=2,
            force=True,
        ).run()
        == 0
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (folder / name).symlink_to(outside)
    linted = lambda: lint(RunOptions(target=clean_project / SSD_CONFIG, ram="16GiB"))  # noqa: E731
    with pytest.raises(UnsafeWrite, match=f"{name} is a link"):
        export_job(linted, fake_python, tflite=True).run()
    assert list(outside.iterdir()) == [] and not (folder / "saved_model1").exists()


def test_two_exports_of_one_checkpoint_at_once_one_refuses(trained, clean_project, fake_python, monkeypatch):
    """The second export starts while the first one's exporter runs: it refuses, the first one's export is kept."""
    import pipecheck.wrappers.export_job as export_module

    first, second = export_job(trained, fake_python), export_job(trained, fake_python)
    real_launch, refusals = export_module.run_launch, []

    def second_starts_meanwhile(launch, log, progress, *args, **kwargs):
        monkeypatch.setattr(export_module, "run_launch", real_launch)
        with pytest.raises(UnsafeWrite, match="another pipecheck run is writing") as refused:
            second.run()
        refusals.append(str(refused.value))
        return real_launch(launch, log, progress, *args, **kwargs)

    monkeypatch.setattr(export_module, "run_launch", second_starts_meanwhile)
    assert first.run() == 0
    assert len(refusals) == 1 and ".saved_model1.partial" in refusals[0]
    saved = clean_project / FOLDER / "saved_model1"
    assert (saved / "saved_model" / "saved_model.pb").read_bytes() == b"fake"
    assert not (clean_project / FOLDER / ".saved_model1.partial").exists()


def test_an_export_finding_its_folder_made_meanwhile_refuses(trained, clean_project, fake_python, monkeypatch):
    """Both exports checked that saved_model1 was free; the first one finished before the second one began."""
    first, second = export_job(trained, fake_python), export_job(trained, fake_python)
    assert first.run() == 0
    saved = clean_project / FOLDER / "saved_model1"
    (saved / "marker").write_text("the first export's\n")
    with pytest.raises(WorkflowError, match="saved_model1 exists"):
        second.run()
    assert (saved / "marker").read_text() == "the first export's\n"
    assert not (clean_project / FOLDER / ".saved_model1.partial").exists()


def test_an_unfinished_export_left_behind_is_cleared_and_replaced(trained, clean_project, fake_python):
    staging = clean_project / FOLDER / ".saved_model1.partial"
    staging.mkdir()
    (staging / "half-written").write_text("a crashed export's\n")
    assert export_job(trained, fake_python).run() == 0
    saved = clean_project / FOLDER / "saved_model1"
    assert sorted(p.name for p in saved.iterdir()) == ["saved_model"] and not staging.exists()
