"""From a zoo archive to an exported, evaluated detector with the real OD API (slow tier).

A tiny course project: the example's cube-face records and label map, and an SSD MobileNet V2
320 "zoo archive" whose checkpoint is a real OD API detection model saved as the zoo saves them
(random weights: no download). Then init, fix, train (300 steps at batch 4: enough for the model
to score boxes 0.3 or more, where the export gate compares the TFLite model's boxes with the
SavedModel's), export (SavedModel and TFLite), reload and detect, eval — each through the pipecheck
command. One training serves the export, the gate's comparison and eval. Ctrl-C and resume, and the
memory probe, have files of their own (test_course_interrupted.py, test_course_probe.py), each with its
own project, so that pytest-xdist runs them beside this one.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.cli import pipecheck  # noqa: E402
from support.projects import EXAMPLE  # noqa: E402
from support.ssd_course import FOLDER  # noqa: E402

from pipecheck.artifacts.events import EventsFollower  # noqa: E402
from pipecheck.wrappers.export_gate import CONFIDENT, TOLERANCE  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.course]


def test_train_with_progress(course_project):
    # 300 steps at batch 4 took 1500 s at load 6 to 12 (other sessions' work): the timeout only catches a hang
    done = pipecheck("train", FOLDER, "--checkpoint-every", "100", cwd=course_project, timeout=3000)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "300/300" in done.stderr and "trained to step 300" in done.stdout
    run = course_project / FOLDER / "checkpoint1"
    log = (run / "train.log").read_text()
    assert "old-style protos are rebuilt in memory" in log and "control_flow_ops.case points to" in log
    assert 'pipecheck-result: {"interrupted": false, "step": 300' in log
    assert json.loads((run / "pipecheck-run.json").read_text())["last_step"] == 300
    assert 'model_checkpoint_path: "ckpt-4"' in (run / "checkpoint").read_text()  # steps 0, 100, 200, 300


def test_the_events_reader_agrees_with_tensorflow(course_project):
    import tensorflow as tf

    folder = course_project / FOLDER / "checkpoint1" / "train"
    ours = [(s.step, s.tag, s.value) for s in EventsFollower(folder, skip_existing=False).poll()]
    theirs = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.HasField("tensor"):
                    theirs.append((event.step, value.tag, float(tf.make_ndarray(value.tensor))))
    assert ours == theirs and len([s for s in ours if s[1] == "Loss/total_loss"]) == 300


def test_export_reload_and_detect(course_project):
    done = pipecheck("export", FOLDER, "--checkpoint", "1", "--tflite", cwd=course_project, timeout=900)
    print(done.stdout)
    # every detection both models returned, for a failure to be studied
    log = (course_project / FOLDER / "checkpoint1/export.log").read_text().splitlines()
    evidence = "\n".join(line for line in log if line.startswith("pipecheck-result: "))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + evidence
    assert "on the first image of faces_cubes/training/test.record:" in done.stdout
    assert (course_project / FOLDER / "tflite1/model.tflite").stat().st_size > 1_000_000
    gate = [line for line in done.stdout.splitlines() if line.startswith(("  ok: ", "  FAILED: "))]
    assert any(
        "the SavedModel returned class ids" in line and "all in the label map (ids 1, 2)" in line for line in gate
    )
    assert "  ok: 3 score columns: num_classes 2 and the background" in gate
    # The TFLite half of the gate on a model that detects something: each confident TFLite detection is
    # the SavedModel's own (within the tolerance) or one its per-class NMS dropped for a higher-scoring box.
    compared = re.search(
        rf"  ok: TFLite against the SavedModel on the same image, over the (\d+) TFLite detections scoring {CONFIDENT} "
        r"or more: (\d+) are the SavedModel's, largest box difference ([0-9.]+), largest score difference ([0-9.]+)",
        done.stdout,
    )
    assert compared, done.stdout
    count, same = int(compared.group(1)), int(compared.group(2))
    box, score = float(compared.group(3)), float(compared.group(4))
    assert count >= same >= 1 and box <= TOLERANCE and score <= TOLERANCE
    import tensorflow as tf

    detect = tf.saved_model.load(str(course_project / FOLDER / "saved_model1/saved_model"))
    outputs = detect(tf.zeros([1, 240, 320, 3], dtype=tf.uint8))
    assert outputs["detection_boxes"].shape[-1] == 4 and int(outputs["num_detections"][0]) > 0
    assert set(outputs["detection_classes"].numpy().ravel().tolist()) <= {1.0, 2.0}


def test_tflite_is_refused_before_anything_for_faster_rcnn(course_project):
    other = course_project / "faces_cubes/training/faster_rcnn"
    other.mkdir()
    shutil.copyfile(
        EXAMPLE / "tod_tf2" / "faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8" / "pipeline.config",
        other / "pipeline.config",
    )
    shutil.copytree(course_project / FOLDER / "checkpoint1", other / "checkpoint1")
    done = pipecheck("export", str(other.relative_to(course_project)), "--tflite", "--force", cwd=course_project)
    assert done.returncode == 2 and "supports SSD and CenterNet networks only, not faster_rcnn" in done.stderr
    assert not (other / "saved_model1").exists()


def test_eval_prints_coco_metrics(course_project):
    done = pipecheck("eval", FOLDER, "--checkpoint", "1", cwd=course_project, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line.split()[0]: line.split()[-1] for line in done.stdout.splitlines() if line.startswith("Detection")}
    assert -1.0 <= float(rows["DetectionBoxes_Precision/mAP"]) <= 1.0
    assert (course_project / FOLDER / "checkpoint1" / "eval").is_dir()


def test_rebuilt_protos_parse_as_the_pure_python_protobuf_does(tmp_path):
    script = (
        "import sys\n"
        "from google.protobuf import text_format\n"
        "if sys.argv[1] == 'rebuilt':\n"
        "    from pipecheck.wrappers.launcher import _RebuiltProtos\n"
        "    sys.meta_path.insert(0, _RebuiltProtos())\n"
        "from object_detection.protos import pipeline_pb2\n"
        "message = text_format.Merge(open(sys.argv[2]).read(), pipeline_pb2.TrainEvalPipelineConfig())\n"
        "sys.stdout.buffer.write(message.SerializeToString(deterministic=True))\n"
    )
    config = str(EXAMPLE / "tod_tf2/faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/pipeline.config")
    rebuilt = subprocess.run([sys.executable, "-c", script, "rebuilt", config], capture_output=True)
    reference = subprocess.run(
        [sys.executable, "-c", script, "python", config],
        capture_output=True,
        env={**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"},
    )
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()[-2000:]
    assert rebuilt.stdout == reference.stdout and len(rebuilt.stdout) > 400
