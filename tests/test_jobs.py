"""The typed jobs started without argparse, as the pytest plugin, a benchmark or a notebook starts them."""

import pytest
from support.projects import CONFIG, NET, SSD_CONFIG, add_ssd_network

from pipecheck.engine.runner import RunOptions
from pipecheck.engine.runner import run as lint
from pipecheck.i18n import set_language
from pipecheck.wrappers.eval_job import EvalJob
from pipecheck.wrappers.export_job import ExportJob
from pipecheck.wrappers.launch import WorkflowError
from pipecheck.wrappers.probe_job import ProbeJob
from pipecheck.wrappers.train_job import TrainJob

FOLDER = f"faces_cubes/training/{NET}"


@pytest.fixture
def linted(clean_project, monkeypatch):
    """The engine's result for the clean course config, messages in English (the language is the process's, and
    an earlier test may have left French); the progress bar off, the stand-in's steps fast."""
    set_language("en")
    monkeypatch.setenv("PIPECHECK_PROGRESS", "never")
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.001")
    return lint(RunOptions(target=clean_project / CONFIG, ram="16GiB"))


def test_a_train_job_plans_then_trains_in_the_next_checkpoint_folder(linted, clean_project, fake_python, capsys):
    job = TrainJob(linted, FOLDER, python=fake_python, num_steps=4)
    assert job.destination.folder == clean_project / FOLDER / "checkpoint1"
    plan = job.plan()
    assert '"num_steps": 4' in plan and f"--model_dir={FOLDER}/checkpoint1" in plan
    assert not job.destination.folder.exists()  # planning runs nothing
    assert job.run() == 0
    assert "trained to step 4" in capsys.readouterr().out
    assert (clean_project / FOLDER / "checkpoint1" / "pipecheck-run.json").is_file()
    resumed = TrainJob(linted, FOLDER, python=fake_python, num_steps=4, resume=1)
    assert "already reached step 4 of 4" in resumed.nothing_to_do()


def test_export_and_eval_jobs_take_the_trained_run(linted, clean_project, fake_python, capsys):
    assert TrainJob(linted, FOLDER, python=fake_python, num_steps=3).run() == 0
    export = ExportJob(linted, python=fake_python)
    assert export.outputs == [clean_project / FOLDER / "saved_model1"]
    assert "exporter_main_v2.py" in export.plan()
    assert export.run() == 0 and (clean_project / FOLDER / "saved_model1").is_dir()
    evaluation = EvalJob(linted, checkpoint=1, python=fake_python)
    assert "--eval_timeout=1" in evaluation.plan()
    assert evaluation.run() == 0
    assert "evaluated in" in capsys.readouterr().out


def test_jobs_refuse_what_they_cannot_do(linted, clean_project, fake_python):
    with pytest.raises(WorkflowError, match="--resume 2: .* does not exist"):
        TrainJob(linted, FOLDER, resume=2)
    with pytest.raises(WorkflowError, match="--batches needs two batch sizes"):
        ProbeJob(linted, batches=[2, 2])
    with pytest.raises(WorkflowError, match="--tflite refused"):
        ExportJob(linted, tflite=True)  # Faster R-CNN has no TFLite graph


def test_a_probe_job_plans_one_run_per_batch(linted, fake_python):
    plan = ProbeJob(linted, batches=[3, 1], steps=2, python=fake_python).plan()
    assert plan.count("pipecheck.wrappers.launcher train") == 2 and '"num_steps": 2' in plan


def test_an_ssd_export_job_plans_the_tflite_too(clean_project, fake_python, monkeypatch):
    add_ssd_network(clean_project)
    set_language("en")
    monkeypatch.setenv("PIPECHECK_PROGRESS", "never")
    result = lint(RunOptions(target=clean_project / SSD_CONFIG, ram="16GiB"))
    folder = str((clean_project / SSD_CONFIG).parent.relative_to(clean_project))
    assert TrainJob(result, folder, python=fake_python, num_steps=3, force=True).run() == 0
    job = ExportJob(result, tflite=True, python=fake_python)
    assert [p.name for p in job.outputs] == ["saved_model1", "tflite1"]
    assert "tflite_dir" in job.plan()
