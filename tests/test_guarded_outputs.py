"""Every file a command is asked to write goes through the one guarded writer (issue 23): a report
(`check -o`, `review -o`), a baseline, `init`'s project and `train`'s run folders.

A checkout can ship `report.json -> ~/.bashrc` or `reports -> /home/user`: inside the folder
pipecheck runs in, no link is followed. Two runs writing one file: the second refuses, never both
saying "wrote" with one result gone. (A run's pipecheck-run.json was replaced, not written through,
before too: the rename replaced the link; its test asserts the refusal that is said now.)
"""

import json
import os
import shutil

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET

CONFIG_FOLDER = f"faces_cubes/training/{NET}"

WRITES = {
    "check -o": lambda name: ("check", CONFIG, "--ram", "16GiB", "--format", "json", "-o", name),
    "review -o": lambda name: ("review", CONFIG, "--ram", "16GiB", "-o", name),
    "check --write-baseline": lambda name: ("check", CONFIG, "--ram", "16GiB", "--write-baseline", name),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_file_linked_outside_is_not_written_through(clean_project, tmp_path, capsys, write):
    outside = tmp_path / "precious"
    outside.write_text("the user's\n")
    (clean_project / "out.md").symlink_to(outside)
    code, _out = run_cli(*WRITES[write]("out.md"))
    assert code == 2 and "is a link" in capsys.readouterr().err
    assert outside.read_text() == "the user's\n" and (clean_project / "out.md").is_symlink()


@pytest.mark.parametrize("write", WRITES)
def test_a_folder_linked_outside_is_not_written_into(clean_project, tmp_path, capsys, write):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (clean_project / "reports").symlink_to(outside)
    code, _out = run_cli(*WRITES[write]("reports/out.md"))
    assert code == 2 and "is a link" in capsys.readouterr().err
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("write", WRITES)
def test_a_path_outside_the_folder_pipecheck_runs_in_is_the_users_choice(clean_project, tmp_path, write):
    target = tmp_path / "chosen" / "out.md"
    target.parent.mkdir()
    code, _out = run_cli(*WRITES[write](str(target)))
    assert code in (0, 1) and target.stat().st_size > 0
    assert [p.name for p in target.parent.iterdir()] == ["out.md"]  # no temporary file left beside it


def test_a_device_named_by_the_user_is_written_not_replaced(clean_project):
    code, _out = run_cli(*WRITES["check -o"](os.devnull))
    assert code in (0, 1) and not os.path.isfile(os.devnull)


@pytest.mark.parametrize("write", WRITES)
def test_a_file_another_run_wrote_meanwhile_is_kept_and_this_run_refuses(clean_project, monkeypatch, capsys, write):
    """Before, both runs said "wrote" and the first one's file was silently replaced."""
    import pipecheck.engine.runner as runner

    real_run = runner.run

    def another_run_writes_first(options):
        (clean_project / "out.md").write_text("the other run's\n")
        return real_run(options)

    monkeypatch.setattr(runner, "run", another_run_writes_first)
    code, _out = run_cli(*WRITES[write]("out.md"))
    assert code == 2 and "changed while pipecheck ran" in capsys.readouterr().err
    assert (clean_project / "out.md").read_text() == "the other run's\n"


@pytest.mark.parametrize("write", WRITES)
def test_a_new_file_another_program_made_during_the_write_is_kept(clean_project, monkeypatch, capsys, write):
    """A program that takes no lock (an editor) saves out.md after the check, while the report is written:
    before, the rename replaced its file; now the new file is linked into place, which fails where one is."""
    import pipecheck.atomic as atomic

    real_temporary = atomic._temporary_beside

    def another_program_saves_first(path, folder):
        if path.name == "out.md":  # the temporary file of this write, not the cache's
            (clean_project / "out.md").write_text("the other program's\n")
        return real_temporary(path, folder)

    monkeypatch.setattr(atomic, "_temporary_beside", another_program_saves_first)
    code, _out = run_cli(*WRITES[write]("out.md"))
    assert code == 2 and "changed while pipecheck ran" in capsys.readouterr().err
    assert (clean_project / "out.md").read_text() == "the other program's\n"
    assert [p.name for p in clean_project.iterdir() if p.name.startswith(".out.md")] == []


def test_a_baseline_written_twice_in_a_row_is_replaced(clean_project):
    run_cli(*WRITES["check --write-baseline"]("baseline.json"))
    code, _out = run_cli(*WRITES["check --write-baseline"]("baseline.json"))
    assert code in (0, 1) and json.loads((clean_project / "baseline.json").read_text())["findings"] is not None


# ------------------------------------------------------------------ init


@pytest.mark.parametrize("linked", ["faces_cubes", "pre-trained"])
def test_init_writes_nothing_through_a_linked_folder(archive, empty_root, tmp_path, capsys, linked):
    """Before, init made its folders with mkdir(parents=True) and extracted the network through the link."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (empty_root / linked).symlink_to(outside)
    code, _out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 2 and "is a link" in capsys.readouterr().err
    assert list(outside.iterdir()) == []


def test_init_puts_no_network_where_a_dangling_link_is(archive, empty_root, tmp_path, capsys):
    """Before, the rename onto the link failed with a bare "Not a directory"."""
    from support.projects import NET

    (empty_root / "pre-trained").mkdir()
    (empty_root / "pre-trained" / NET).symlink_to(tmp_path / "nowhere")
    code, _out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 2 and f"pre-trained/{NET} is a link" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists() and os.listdir(empty_root / "pre-trained") == [NET]


# ------------------------------------------------------------------ train's run folders


@pytest.fixture
def linted(clean_project, monkeypatch):
    from pipecheck.engine.runner import RunOptions
    from pipecheck.engine.runner import run as lint
    from pipecheck.i18n import set_language

    set_language("en")
    monkeypatch.setenv("PIPECHECK_PROGRESS", "never")
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.001")
    return lambda: lint(RunOptions(target=clean_project / CONFIG, ram="16GiB"))


def test_train_makes_no_run_folder_in_a_linked_config_folder(linted, clean_project, fake_python, tmp_path):
    from pipecheck.atomic import UnsafeWrite
    from pipecheck.wrappers.train_job import TrainJob

    folder = clean_project / CONFIG_FOLDER
    outside = tmp_path / "elsewhere"
    shutil.move(folder, outside)
    folder.symlink_to(outside)
    with pytest.raises(UnsafeWrite, match="is a link"):
        TrainJob(linted(), CONFIG_FOLDER, python=fake_python, num_steps=2).run()
    assert not [p for p in outside.iterdir() if p.name.startswith("checkpoint")]


def test_train_resumes_no_run_folder_that_is_a_link(linted, clean_project, fake_python, tmp_path):
    from pipecheck.atomic import UnsafeWrite
    from pipecheck.wrappers.train_job import TrainJob

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (clean_project / CONFIG_FOLDER / "checkpoint1").symlink_to(outside)
    with pytest.raises(UnsafeWrite, match="is a link"):
        TrainJob(linted(), CONFIG_FOLDER, python=fake_python, num_steps=2, resume=1).run()
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("name", ["train.log", "pipecheck-run.json"])
def test_a_resumed_run_writes_through_no_linked_file(linted, clean_project, fake_python, tmp_path, name):
    from pipecheck.atomic import UnsafeWrite
    from pipecheck.wrappers.train_job import TrainJob

    assert TrainJob(linted(), CONFIG_FOLDER, python=fake_python, num_steps=2).run() == 0
    outside = tmp_path / "precious"
    outside.write_text("the user's\n")
    linked = clean_project / CONFIG_FOLDER / "checkpoint1" / name
    linked.unlink()
    linked.symlink_to(outside)
    with pytest.raises(UnsafeWrite, match="is a link"):
        TrainJob(linted(), CONFIG_FOLDER, python=fake_python, num_steps=4, resume=1, force=True).run()
    assert outside.read_text() == "the user's\n"


def test_without_hard_links_a_new_file_is_written_by_rename(tmp_path, monkeypatch):
    """FAT and some network shares have no link(2): the new file is renamed into place, nothing left beside it."""
    from pipecheck.atomic import write_guarded

    def no_hard_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    write_guarded(tmp_path / "new.json", b"{}\n", tmp_path, since=None)
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"] and (tmp_path / "new.json").read_bytes() == b"{}\n"


@pytest.mark.parametrize("command", ["train --resume", "eval"])
def test_no_events_are_written_through_a_linked_subfolder_of_a_run(
    linted, clean_project, fake_python, tmp_path, command
):
    """TensorFlow writes a run's events into checkpointN/train and checkpointN/eval, following a link there."""
    from pipecheck.atomic import UnsafeWrite
    from pipecheck.wrappers.eval_job import EvalJob
    from pipecheck.wrappers.train_job import TrainJob

    assert TrainJob(linted(), CONFIG_FOLDER, python=fake_python, num_steps=2).run() == 0
    name = "train" if command == "train --resume" else "eval"
    linked = clean_project / CONFIG_FOLDER / "checkpoint1" / name
    outside = tmp_path / "elsewhere"
    shutil.rmtree(linked, ignore_errors=True)
    outside.mkdir()
    linked.symlink_to(outside)
    with pytest.raises(UnsafeWrite, match=f"checkpoint1/{name} is a link"):
        if command == "eval":
            EvalJob(linted(), checkpoint=1, python=fake_python).run()
        else:
            TrainJob(linted(), CONFIG_FOLDER, python=fake_python, num_steps=4, resume=1, force=True).run()
    assert list(outside.iterdir()) == []
