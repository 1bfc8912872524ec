"""A stand-in for the TensorFlow subprocess, for testing pipecheck's train/export/eval wrappers fast.

Called as `fake_python -m pipecheck.wrappers.launcher TASK JSON` (see fake_python()). It talks
like the real launcher: log lines, an events file per step, ckpt-N files, and the result line
last. FAKE_STEP_SECONDS slows the steps; FAKE_FAIL makes the task die with a traceback;
FAKE_FAIL_TASK=i makes only the multi-worker task of index i die. A non-chief worker (TF_CONFIG)
writes into model_dir/temp_worker_NNN and model_dir/train/temp_worker_NNN and removes them, as
model_lib_v2 does. It writes through model_dir_fd, as the launcher does (folders.through_descriptor).
FAKE_NAN_AT=N makes the loss NaN from step N on; FAKE_RATE is the learning rate logged (none by default);
FAKE_MIB_PER_IMAGE holds that much memory per batch item; FAKE_CLASS_SHIFT shifts the exported class ids, FAKE_TFLITE_MOVE moves the TFLite boxes.
"""

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

from pipecheck.folders import through_descriptor
from pipecheck.testing.writers import frame_record, scalar_event, write_checkpoint
from pipecheck.wrappers.launcher import RESULT_PREFIX


def train(pipeline, model_dir, num_steps=None, checkpoint_every=1000, strategy=None, model_dir_fd=None):
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {"index": 0})
    written = Path(through_descriptor(model_dir, model_dir_fd))  # as the launcher hands it to train_loop
    worker = f"temp_worker_{task['index']:03d}"  # model_lib_v2.get_filepath: a worker's checkpoints and events
    folder, summaries = (
        (written, written / "train") if task["index"] == 0 else (written / worker, written / "train" / worker)
    )
    folder.mkdir(parents=True, exist_ok=True)
    print(f"fake strategy {json.dumps(strategy)}, task {task}", flush=True)
    steps = num_steps or int(re.search(r"num_steps: *(\d+)", Path(pipeline).read_text()).group(1))
    existing = sorted(folder.glob("ckpt-*.index"))
    start = int(json.loads((folder / "fake-step.json").read_text())) if (folder / "fake-step.json").exists() else 0
    saved = [len(existing)]
    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))

    def save(step):
        print(f"pipecheck [00:00:00]: saving a checkpoint at step {step}", flush=True)
        saved[0] += 1
        write_checkpoint(
            folder / f"ckpt-{saved[0]}", {"step/.ATTRIBUTES/VARIABLE_VALUE": ("int64", [], step.to_bytes(8, "little"))}
        )
        (folder / "checkpoint").write_text(f'model_checkpoint_path: "ckpt-{saved[0]}"\n')
        (folder / "fake-step.json").write_text(str(step))
        print(f"pipecheck [00:00:00]: step {step} saved as {model_dir}/ckpt-{saved[0]}", flush=True)

    batch = int(re.search(r"batch_size: *(\d+)", Path(pipeline).read_text()).group(1))
    held = bytearray(int(batch * float(os.environ.get("FAKE_MIB_PER_IMAGE", "0")) * 2**20))
    held[::4096] = b"\x01" * len(range(0, len(held), 4096))  # touched, so resident
    if start == 0:
        save(0)
    summaries.mkdir(parents=True, exist_ok=True)
    events = open(summaries / f"events.out.tfevents.{time.time():.0f}.fake", "ab")
    print("I1125 model_lib_v2.py:500] Loading the fine-tune checkpoint", flush=True)
    step = start
    while step < steps and not interrupted:
        step += 1
        time.sleep(float(os.environ.get("FAKE_STEP_SECONDS", "0.001")))
        nan_at = int(os.environ.get("FAKE_NAN_AT", "0"))
        loss = float("nan") if nan_at and step >= nan_at else 2.0 / step
        scalars = {"Loss/total_loss": loss}
        if os.environ.get("FAKE_RATE"):
            scalars["learning_rate"] = float(os.environ["FAKE_RATE"])
        events.write(frame_record(scalar_event(step, time.time(), scalars)))
        events.flush()
        if step % 10 == 0:
            print(f"INFO:tensorflow:Step {step} per-step time 0.010s", flush=True)
            print(f"{{'Loss/total_loss': {2.0 / step},", flush=True)
        if step % checkpoint_every == 0:
            save(step)
    if int((folder / "fake-step.json").read_text()) != step:
        save(step)
    if task["index"]:
        import shutil

        events.close()
        shutil.rmtree(folder)  # model_lib_v2.clean_temporary_directories
        shutil.rmtree(summaries)
        return {"interrupted": bool(interrupted), "step": step, "checkpoint": None, "worker": True}
    return {"interrupted": bool(interrupted), "step": step, "checkpoint": f"{model_dir}/ckpt-{saved[0]}"}


def export(
    pipeline,
    checkpoint_dir,
    output_dir,
    image_record=None,
    tflite_dir=None,
    max_detections=None,
    output_dir_fd=None,
    tflite_dir_fd=None,
):
    written = Path(through_descriptor(output_dir, output_dir_fd))  # as the launcher hands it to the exporter
    (written / "saved_model").mkdir(parents=True)
    (written / "saved_model" / "saved_model.pb").write_bytes(b"fake")
    shift = int(os.environ.get("FAKE_CLASS_SHIFT", "0"))
    result = {
        "export_seconds": 0.1,
        "load_seconds": 0.1,
        "image": [240, 320],
        "detections": [
            {"class": 2 + shift, "score": 0.9, "box": [0.1, 0.2, 0.3, 0.4]},
            {"class": 1 + shift, "score": 0.4, "box": [0.5, 0.5, 0.7, 0.8]},
        ],
        "class_ids": [1 + shift, 2 + shift],
        "outputs": {"detection_boxes": [1, 100, 4], "detection_multiclass_scores": [1, 100, 3]},
    }
    if tflite_dir:
        tflite_written = Path(through_descriptor(tflite_dir, tflite_dir_fd))
        tflite_written.mkdir(parents=True, exist_ok=True)  # as export_tflite_graph_lib_tf2.py:317 does
        (tflite_written / "model.tflite").write_bytes(b"fake")
        moved = float(os.environ.get("FAKE_TFLITE_MOVE", "0.001"))
        detections = [{**found, "box": [v + moved for v in found["box"]]} for found in result["detections"]]
        result["tflite"] = {
            "path": f"{tflite_dir}/model.tflite",
            "bytes": 4,
            "detections": detections,
            "class_ids": result["class_ids"],
        }
    return result


def evaluate(pipeline, checkpoint_dir, model_dir, model_dir_fd=None):
    name = re.search(r'eval_input_reader[^}]*?\bname: *"([^"]*)"', Path(pipeline).read_text())
    events = Path(through_descriptor(model_dir, model_dir_fd)) / "eval" / (name.group(1) if name else "")
    events.mkdir(parents=True, exist_ok=True)  # eval_continuously's summary writer: model_dir/eval/<reader's name>
    (events / f"events.out.tfevents.{time.time():.0f}.fake").write_bytes(b"")
    print("INFO:tensorflow:Finished eval step 0", flush=True)
    return {"metrics": {"DetectionBoxes_Precision/mAP": 0.5, "Loss/total_loss": 1.25}}


if __name__ == "__main__":
    task, options = sys.argv[-2], json.loads(sys.argv[-1])
    if os.environ.get("FAKE_FAIL"):
        print(
            'Traceback (most recent call last):\n  File "model_lib_v2.py", line 1\n'
            "RuntimeError: Did not find any input files matching the glob pattern",
            flush=True,
        )
        sys.exit(1)
    failing = os.environ.get("FAKE_FAIL_TASK")
    task_index = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index")
    if failing is not None and task_index == int(failing):
        time.sleep(0.5)
        print(
            'Traceback (most recent call last):\n  File "dataset_builder.py", line 1\n'
            "tensorflow.python.framework.errors_impl.OutOfRangeError: End of sequence",
            flush=True,
        )
        sys.exit(1)
    outcome = {"train": train, "export": export, "eval": evaluate}[task](**options)
    print(RESULT_PREFIX + json.dumps(outcome), flush=True)
    sys.exit(130 if outcome.get("interrupted") else 0)
