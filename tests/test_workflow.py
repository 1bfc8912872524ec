"""train, export and eval around a stand-in for the TensorFlow process (the real one runs in tests/slow).

The stand-in (support/fake_od_api.py) is given with --python: it logs, writes an events file
per step, ckpt-N files and the result line as the launcher does, so everything pipecheck does
around TensorFlow — the lint gate, run folders, records, progress, Ctrl-C, refusals — is
exercised here in seconds.
"""

import json
import signal
import sys
import time

import pytest
from support.cli import pipecheck
from support.projects import CONFIG, NET, REPO, SSD_CONFIG, add_ssd_network
from support.terminal import start_like_a_terminal

from pipecheck.engine.runner import RunOptions, run
from pipecheck.testing.artifact_edits import apply_artifact_step
from pipecheck.wrappers.export_job import tflite_refusal

FOLDER = f"faces_cubes/training/{NET}"


def test_train_runs_in_the_next_checkpoint_folder_with_progress(clean_project, fake_python):
    done = pipecheck("train", FOLDER, "--python", fake_python, "--ram", "16GiB", cwd=clean_project)
    assert done.returncode == 0, done.stderr
    run = clean_project / FOLDER / "checkpoint1"
    assert "train   [" in done.stderr and "/1000" in done.stderr
    assert "trained to step 1000" in done.stdout and "checkpoint1/ckpt-" in done.stdout
    assert "Step 1000 per-step time" in (run / "train.log").read_text()
    record = json.loads((run / "pipecheck-run.json").read_text())
    assert record["last_step"] == 1000 and record["config_text"] == (clean_project / CONFIG).read_text()
    second = pipecheck(
        "train", FOLDER, "--python", fake_python, "--num-steps", "5", "--ram", "16GiB", cwd=clean_project
    )
    assert second.returncode == 0 and (clean_project / FOLDER / "checkpoint2").is_dir()
    assert "trained to step 5" in second.stdout


def test_train_refuses_a_config_with_errors(course_project, fake_python):
    config = course_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    done = pipecheck("train", FOLDER, "--python", fake_python, "--ram", "16GiB", cwd=course_project)
    assert done.returncode == 1
    assert "PC101 error" in done.stdout and "pipecheck train refused" in done.stderr
    assert not (course_project / FOLDER / "checkpoint1").exists()
    forced = pipecheck(
        "train", FOLDER, "--python", fake_python, "--ram", "16GiB", "--force", "--num-steps", "3", cwd=course_project
    )
    assert forced.returncode == 0, forced.stderr


def test_dry_run_prints_the_command_and_runs_nothing(clean_project):
    done = pipecheck("train", FOLDER, "--dry-run", "--num-steps", "7", "--ram", "16GiB", cwd=clean_project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"cd {clean_project}" in lines and "export PYTHONUNBUFFERED=1" in lines
    command = next(line for line in lines if "pipecheck.wrappers.launcher train" in line)
    assert f'"model_dir": "{FOLDER}/checkpoint1"' in command and '"num_steps": 7' in command
    assert f"# python model_main_tf2.py --model_dir={FOLDER}/checkpoint1 " in done.stdout
    assert not (clean_project / FOLDER / "checkpoint1").exists()


def test_a_failed_training_says_why_and_where_the_log_is(clean_project, fake_python):
    done = pipecheck(
        "train", FOLDER, "--python", fake_python, "--ram", "16GiB", cwd=clean_project, env={"FAKE_FAIL": "1"}
    )
    assert done.returncode == 1
    assert "RuntimeError: Did not find any input files matching the glob pattern" in done.stderr
    assert f"{FOLDER}/checkpoint1/train.log" in done.stderr


def test_ctrl_c_saves_and_resume_continues(clean_project, fake_python):
    command = [sys.executable, "-m", "pipecheck", "train", FOLDER, "--python", fake_python, "--ram", "16GiB"]
    child = start_like_a_terminal(command, clean_project, {"FAKE_STEP_SECONDS": "0.05"})
    from pipecheck.artifacts.events import EventsFollower

    follower = EventsFollower(clean_project / FOLDER / "checkpoint1" / "train", skip_existing=False)
    deadline, steps_logged = time.monotonic() + 30, []
    while time.monotonic() < deadline and not any(scalar.step >= 2 for scalar in steps_logged):
        steps_logged += follower.poll()  # wait for real progress, not for a guessed delay
        time.sleep(0.05)
    assert steps_logged, "the fake training logged no step in 30 s"
    child.send_signal(signal.SIGINT)  # what the terminal sends to pipecheck on Ctrl-C
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "stopping: saving the step reached" in err
    assert f"continue with: pipecheck train {FOLDER} --resume 1" in out
    stopped = json.loads((clean_project / FOLDER / "checkpoint1/pipecheck-run.json").read_text())["last_step"]
    assert 0 < stopped < 1000
    resumed = pipecheck("train", FOLDER, "--python", fake_python, "--ram", "16GiB", "--resume", "1", cwd=clean_project)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {FOLDER}/checkpoint1 from step {stopped}" in resumed.stderr
    assert "trained to step 1000" in resumed.stdout
    assert not (clean_project / FOLDER / "checkpoint2").exists()


def test_resume_refuses_a_changed_config_but_not_a_new_comment(clean_project, fake_python):
    assert (
        pipecheck(
            "train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project
        ).returncode
        == 0
    )
    config = clean_project / CONFIG
    config.write_text(config.read_text() + "# a note for the reviewer\n")
    again = pipecheck(
        "train",
        FOLDER,
        "--python",
        fake_python,
        "--num-steps",
        "6",
        "--ram",
        "16GiB",
        "--resume",
        "1",
        cwd=clean_project,
    )
    assert again.returncode == 0, again.stderr
    config.write_text(config.read_text().replace("batch_size: 1", "batch_size: 2"))
    changed = pipecheck("train", FOLDER, "--python", fake_python, "--ram", "16GiB", "--resume", "1", cwd=clean_project)
    assert changed.returncode == 2
    assert "the config changed since checkpoint1 was trained" in changed.stderr
    assert "-  batch_size: 1\n+  batch_size: 2" in changed.stderr
    assert (
        "already reached step 6 of 6"
        in pipecheck(
            "train",
            FOLDER,
            "--python",
            fake_python,
            "--ram",
            "16GiB",
            "--resume",
            "1",
            "--num-steps",
            "6",
            "--force",
            cwd=clean_project,
        ).stdout
    )


def test_resume_needs_an_existing_run(clean_project, fake_python):
    done = pipecheck("train", FOLDER, "--python", fake_python, "--resume", "4", "--ram", "16GiB", cwd=clean_project)
    assert done.returncode == 2 and "checkpoint4 does not exist" in done.stderr


def test_the_zoos_own_copy_is_never_trained(clean_project, fake_python):
    done = pipecheck("train", f"pre-trained/{NET}", "--python", fake_python, "--force", cwd=clean_project)
    assert done.returncode == 2 and "C-11" in done.stderr
    assert not (clean_project / f"pre-trained/{NET}/checkpoint1").exists()


def test_export_writes_saved_model_n_and_shows_a_detection(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    done = pipecheck("export", FOLDER, "--python", fake_python, cwd=clean_project)
    assert done.returncode == 0, done.stderr
    assert (clean_project / FOLDER / "saved_model1/saved_model/saved_model.pb").is_file()
    assert "on the first image of faces_cubes/training/test.record:" in done.stdout
    assert "two          0.90  [0.10, 0.20, 0.30, 0.40]" in done.stdout
    again = pipecheck("export", FOLDER, "--python", fake_python, cwd=clean_project)
    assert again.returncode == 2 and "saved_model1 exists; pipecheck never replaces an export" in again.stderr
    assert not list((clean_project / FOLDER).glob(".saved_model*"))
    (clean_project / FOLDER / "saved_model1/pipeline.config").write_text("# the exporter's copy\n")
    by_label_map = pipecheck("check", "faces_cubes/training/label_map.pbtxt", "--ram", "16GiB", cwd=clean_project)
    assert by_label_map.stdout.count("pipecheck 0.1.0 · ") == 1 and "saved_model1" not in by_label_map.stdout


def test_a_failed_export_leaves_no_saved_model(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    done = pipecheck("export", FOLDER, "--python", fake_python, cwd=clean_project, env={"FAKE_FAIL": "1"})
    assert done.returncode == 1 and f"{FOLDER}/checkpoint1/export.log" in done.stderr
    assert not [p for p in (clean_project / FOLDER).iterdir() if "saved_model" in p.name]


def test_export_refuses_a_config_changed_since_training(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 3"))
    done = pipecheck("export", FOLDER, "--python", fake_python, cwd=clean_project)
    assert done.returncode == 2 and "the config changed since checkpoint1 was trained" in done.stderr
    assert not (clean_project / FOLDER / "saved_model1").exists()


def test_tflite_is_refused_for_faster_rcnn_before_anything_is_done(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    done = pipecheck("export", FOLDER, "--python", fake_python, "--tflite", cwd=clean_project)
    assert done.returncode == 2 and "supports SSD and CenterNet networks only, not faster_rcnn" in done.stderr
    assert not (clean_project / FOLDER / "saved_model1").exists()


def test_export_and_eval_need_a_trained_run(clean_project, fake_python):
    for command in ("export", "eval"):
        done = pipecheck(command, FOLDER, "--python", fake_python, cwd=clean_project)
        assert done.returncode == 2 and "train first" in done.stderr


def test_eval_prints_the_metrics(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    done = pipecheck("eval", FOLDER, "--python", fake_python, cwd=clean_project)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    assert ["DetectionBoxes_Precision/mAP", "0.5000"] in rows and ["Loss/total_loss", "1.2500"] in rows
    assert "eval   [" in done.stderr and "1/6" in done.stderr  # 6 images in the eval records


def test_export_and_eval_dry_runs_print_the_commands(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    export = pipecheck("export", FOLDER, "--dry-run", cwd=clean_project)
    assert export.returncode == 0, export.stderr
    assert f'"checkpoint_dir": "{FOLDER}/checkpoint1"' in export.stdout
    assert f"--output_directory={FOLDER}/saved_model1" in export.stdout
    evaluate = pipecheck("eval", FOLDER, "--dry-run", cwd=clean_project)
    assert evaluate.returncode == 0 and f"--checkpoint_dir={FOLDER}/checkpoint1" in evaluate.stdout
    assert not (clean_project / FOLDER / "saved_model1").exists()


def test_a_chosen_run_must_exist_and_hold_a_checkpoint(clean_project, fake_python):
    pipecheck("train", FOLDER, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project)
    (clean_project / FOLDER / "checkpoint2").mkdir()
    for command in ("export", "eval"):
        missing = pipecheck(command, FOLDER, "--python", fake_python, "--checkpoint", "9", cwd=clean_project)
        assert missing.returncode == 2 and "checkpoint9 does not exist" in missing.stderr
        empty = pipecheck(command, FOLDER, "--python", fake_python, "--checkpoint", "2", cwd=clean_project)
        assert empty.returncode == 2 and "checkpoint2 holds no checkpoint" in empty.stderr
    latest = pipecheck("export", FOLDER, "--python", fake_python, cwd=clean_project)
    assert latest.returncode == 0 and (clean_project / FOLDER / "saved_model1").is_dir()  # the latest with one


def test_tflite_needs_a_fixed_input_size(clean_project):
    add_ssd_network(clean_project)
    config = run(RunOptions(target=clean_project / SSD_CONFIG, ram="16GiB")).config
    assert tflite_refusal(config) is None
    config.message.model.ssd.image_resizer.keep_aspect_ratio_resizer.min_dimension = 320
    assert "must be fixed_shape_resizer, not keep_aspect_ratio_resizer" in tflite_refusal(config)


def test_tflite_refusals_say_what_the_od_api_exports_and_what_pipecheck_does():
    """Before, a CenterNet was refused by a message saying CenterNet is supported."""
    from pipecheck.artifacts.pipeline_config import PipelineConfig
    from pipecheck.i18n import set_language
    from pipecheck.schema import load_schema
    from pipecheck.textproto import parse_located

    def zoo(name):
        path = REPO / "tests" / "data" / "zoo" / f"{name}.config"
        return PipelineConfig(parse_located(path, path.read_text(), load_schema(REPO).pipeline_class))

    set_language("en")
    centernet = tflite_refusal(zoo("centernet_resnet101_v1_fpn_512x512_coco17_tpu-8"))
    assert "handles SSD networks only" in centernet and "can export this CenterNet" in centernet
    assert "(and CenterNet)" not in centernet
    faster = tflite_refusal(zoo("faster_rcnn_resnet50_v1_640x640_coco17_tpu-8"))
    assert "supports SSD and CenterNet networks only, not faster_rcnn" in faster


def test_tflite_export_keeps_as_many_detections_as_one_image_has_objects(clean_project, fake_python):
    add_ssd_network(clean_project)
    folder = SSD_CONFIG.rsplit("/", 1)[0]
    trained = pipecheck(
        "train", folder, "--python", fake_python, "--num-steps", "3", "--ram", "16GiB", cwd=clean_project
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    corners = {"ymin": "0.1", "xmin": "0.1", "ymax": "0.2", "xmax": "0.2"}
    boxes = [f"image/object/bbox/{key}={','.join([value] * 12)}" for key, value in corners.items()]
    apply_artifact_step(clean_project, f"record faces_cubes/training/train.record 0 {' '.join(boxes)}")
    apply_artifact_step(
        clean_project, "record faces_cubes/training/train.record 0 image/object/class/label=" + ",".join(["1"] * 12)
    )
    done = pipecheck("export", folder, "--tflite", "--dry-run", cwd=clean_project)
    assert done.returncode == 0, done.stderr
    assert "an image of the records holds 12 objects; the TFLite model keeps 12 detections" in done.stderr
    assert "--max_detections=12" in done.stdout and '"max_detections": 12' in done.stdout
    exported = pipecheck("export", folder, "--tflite", "--python", fake_python, cwd=clean_project)
    assert exported.returncode == 0, exported.stderr
    assert (clean_project / folder / "tflite1" / "model.tflite").is_file()


def test_without_tensorflow_the_commands_say_what_to_install(clean_project):
    import importlib.util

    if importlib.util.find_spec("tensorflow") is not None:
        pytest.skip("TensorFlow is installed here")
    done = pipecheck("train", FOLDER, "--ram", "16GiB", cwd=clean_project)
    assert done.returncode == 2
    assert "TensorFlow is not installed" in done.stderr and "pip install --no-deps tf-models-official==" in done.stderr
    assert "pipecheck[" not in done.stderr  # the PyPI project `pipecheck` is someone else's
    assert "Traceback" not in done.stderr
    dry = pipecheck("train", FOLDER, "--dry-run", "--ram", "16GiB", cwd=clean_project)
    assert dry.returncode == 0
    assert "# cannot run on this installation yet: TensorFlow is not installed" in dry.stdout
