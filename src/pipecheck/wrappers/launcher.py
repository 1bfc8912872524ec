"""Runs inside the TensorFlow subprocess: make the OD API work on this stack, then do one task.

    python -m pipecheck.wrappers.launcher TASK '{"option": ...}'

TASK is train, export or eval. The compatibility fixes change this process only, never the
installed packages, and each one is announced on stderr so the log says what was done:
- the OD API's old-style *_pb2.py are rebuilt in memory from the serialized descriptors they
  embed (protobuf >= 4 refuses to import them; the pure-Python fallback is 1.8x slower);
- tf-slim's control_flow_ops.case/cond, removed in TensorFlow 2.13, point to tf.compat.v1's;
- Pillow's FreeTypeFont.getsize, removed in Pillow 10 and used to draw eval images, is put back;
- on TensorFlow >= 2.16, TF_USE_LEGACY_KERAS=1 and stand-ins for tf.compat.v1.estimator and an
  absent tensorflow_io (compat.py), each only where the installed versions need it.
The task's result is printed last, as one line: `pipecheck-result: {json}`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

RESULT_PREFIX = "pipecheck-result: "


def announce(message: str) -> None:
    print(f"pipecheck [{time.strftime('%H:%M:%S')}]: {message}", file=sys.stderr, flush=True)


class _RebuiltProtos(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import old-style object_detection.protos.*_pb2 modules the way new-style ones build themselves."""

    def __init__(self):
        self.descriptors: dict[str, bytes] = {}

    def find_spec(self, name, path, target=None):
        if not (name.startswith("object_detection.protos.") and name.endswith("_pb2")):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not spec.origin:
            return None
        from pipecheck.schema.extract import descriptor_from_generated_module

        data, generation = descriptor_from_generated_module(Path(spec.origin))
        if generation != "old-style":
            return None
        self.descriptors[name] = data
        return importlib.util.spec_from_loader(name, self, origin=spec.origin)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from google.protobuf import descriptor_pb2, descriptor_pool
        from google.protobuf.internal import builder

        data = self.descriptors.pop(module.__name__)
        for dependency in descriptor_pb2.FileDescriptorProto.FromString(data).dependency:
            importlib.import_module(dependency[: -len(".proto")].replace("/", ".") + "_pb2")
        descriptor = descriptor_pool.Default().AddSerializedFile(data)
        builder.BuildMessageAndEnumDescriptors(descriptor, module.__dict__)
        builder.BuildTopDescriptorsAndMessages(descriptor, module.__name__, module.__dict__)


def apply_compatibility_fixes() -> None:
    import google.protobuf
    from google.protobuf.internal import api_implementation

    major = int(google.protobuf.__version__.split(".")[0])
    if major >= 4 and api_implementation.Type() != "python":
        sys.meta_path.insert(0, _RebuiltProtos())
        announce(f"the OD API's old-style protos are rebuilt in memory for protobuf {google.protobuf.__version__}")
    from pipecheck.wrappers import compat

    compat.set_legacy_keras(announce)
    import tensorflow as tf

    compat.apply_stand_ins(announce)
    from tensorflow.python.ops import control_flow_ops

    for name in ("case", "cond"):
        if not hasattr(control_flow_ops, name):
            setattr(control_flow_ops, name, getattr(tf.compat.v1, name))
            announce(f"tf-slim's control_flow_ops.{name} points to tf.compat.v1.{name} (removed in TensorFlow 2.13)")
    _restore_pillow_getsize()
    tf.get_logger().setLevel("INFO")
    # lvis (imported by the OD API's metrics) calls logging.basicConfig: without this, every
    # TensorFlow message is printed twice, by TensorFlow's handler and by the root logger.
    tf.get_logger().propagate = False


def _restore_pillow_getsize() -> None:
    try:
        from PIL import ImageFont
    except ImportError:
        return

    def getsize(font, text, *args, **kwargs):
        left, top, right, bottom = font.getbbox(text, *args, **kwargs)
        return right, bottom  # what getsize measured: the text's extent from the origin

    patched = [cls.__name__ for cls in (ImageFont.FreeTypeFont, ImageFont.ImageFont) if not hasattr(cls, "getsize")]
    for name in patched:
        getattr(ImageFont, name).getsize = getsize
    if patched:
        announce("Pillow's ImageFont getsize (removed in Pillow 10; the OD API draws eval images with it) is back")


def train(
    pipeline: str,
    model_dir: str,
    num_steps: int | None = None,
    checkpoint_every: int = 1000,
    strategy: dict | None = None,
    model_dir_fd: int | None = None,
) -> dict:
    """model_main_tf2.py's training, one step per iteration so that progress and num_steps are exact.

    The stock script runs steps in blocks of 100 (asked for 5, it runs 100) and records
    summaries only every 100th step. A last checkpoint is saved at the end, and on Ctrl-C,
    when the step reached is not saved yet: the stock loop saves only every checkpoint_every.
    `model_dir_fd` is model_dir as pipecheck opened it (folders.through_descriptor): written through it.
    """
    import tensorflow as tf
    import tensorflow.compat.v1 as tf1
    from object_detection import model_lib_v2

    from pipecheck.folders import as_named, through_descriptor

    written = through_descriptor(model_dir, model_dir_fd)
    managers = _track_checkpoint_managers(tf1, lambda path: as_named(path, written, model_dir))
    tf.config.set_soft_device_placement(True)
    interrupted = False
    distribution = _strategy(tf, strategy or {})
    try:
        with distribution.scope():
            model_lib_v2.train_loop(
                pipeline_config_path=pipeline,
                model_dir=written,
                train_steps=num_steps,
                use_tpu=(strategy or {}).get("kind") == "tpu",
                checkpoint_every_n=checkpoint_every,
                record_summaries=False,
                num_steps_per_iteration=1,
            )
    except KeyboardInterrupt:
        interrupted = True
        announce(
            "interrupted: saving the step reached"
            if (strategy or {}).get("kind") != "multi_worker"
            else "interrupted: not saved (saving is collective; the workers may stand at different steps)"
        )
    result = {"interrupted": interrupted, "step": None, "checkpoint": None}
    if managers and not distribution.extended.should_checkpoint:
        return _finish_worker(managers[-1], interrupted, result)
    if managers:
        manager = managers[-1]
        step = int(manager.checkpoint.step.numpy())
        collective = (strategy or {}).get("kind") == "multi_worker"
        if manager.saved_step != step and not (collective and interrupted):
            manager.save()
        result.update(step=step, checkpoint=as_named(manager.latest_checkpoint, written, model_dir))
    return result


def _strategy(tf, strategy: dict):
    """model_main_tf2.py's choice: TPUStrategy (--use_tpu), MultiWorkerMirroredStrategy (--num_workers > 1, the
    cluster in TF_CONFIG), else MirroredStrategy over the visible GPUs."""
    kind = strategy.get("kind", "mirrored")
    if kind == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(strategy.get("tpu"))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if kind == "multi_worker":
        distribution = tf.distribute.MultiWorkerMirroredStrategy()
        announce(
            f"MultiWorkerMirroredStrategy: task {distribution.cluster_resolver.task_type} "
            f"{distribution.cluster_resolver.task_id}, {distribution.num_replicas_in_sync} replicas in sync"
        )
        return distribution
    return tf.compat.v2.distribute.MirroredStrategy()


def _finish_worker(manager, interrupted: bool, result: dict) -> dict:
    """A non-chief worker: its checkpoints are scratch (temp_worker_NNN, removed by train_loop); only the chief's count.

    Saving is collective under MultiWorkerMirroredStrategy, so the last step is saved by every worker or by none:
    after Ctrl-C the workers may stand at different steps, and none saves.
    """
    import shutil

    step = int(manager.checkpoint.step.numpy())
    if not interrupted and manager.saved_step != step:
        manager.save()
    shutil.rmtree(manager.directory, ignore_errors=True)
    result.update(step=step, checkpoint=None, worker=True)
    return result


def _track_checkpoint_managers(tf1, shown) -> list:
    """Keep the CheckpointManager train_loop creates, to save the last step it did not save; `shown(path)` is
    the name of a checkpoint written for the log."""
    created = []
    original = tf1.compat.v2.train.CheckpointManager

    class Tracked(original):
        saved_step = None

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            created.append(self)

        def save(self, *args, **kwargs):
            step = getattr(self.checkpoint, "step", None)
            step = int(step.numpy()) if step is not None else None
            announce(f"saving a checkpoint at step {step}")
            path = super().save(*args, **kwargs)
            self.saved_step = step
            announce(f"step {step} saved as {shown(path)}")
            return path

    tf1.compat.v2.train.CheckpointManager = Tracked
    return created


def export(
    pipeline: str,
    checkpoint_dir: str,
    output_dir: str,
    image_record: str | None = None,
    tflite_dir: str | None = None,
    max_detections: int | None = None,
    output_dir_fd: int | None = None,
    tflite_dir_fd: int | None = None,
) -> dict:
    """exporter_main_v2.py's export (image_tensor input), then one detection to prove it loads and runs; the
    folders are written through the descriptors pipecheck opened them with (see train)."""
    import tensorflow as tf
    from google.protobuf import text_format
    from object_detection import exporter_lib_v2
    from object_detection.protos import pipeline_pb2

    from pipecheck.folders import as_named, through_descriptor

    shown_tflite = tflite_dir
    output_dir = through_descriptor(output_dir, output_dir_fd)
    tflite_dir = through_descriptor(tflite_dir, tflite_dir_fd) if tflite_dir else None
    config = pipeline_pb2.TrainEvalPipelineConfig()
    text_format.Merge(Path(pipeline).read_text(encoding="utf-8"), config)
    started = time.monotonic()
    exporter_lib_v2.export_inference_graph("image_tensor", config, checkpoint_dir, output_dir)
    result = {"export_seconds": round(time.monotonic() - started, 1)}
    image = _first_image(tf, image_record) if image_record else None
    started = time.monotonic()
    detect = tf.saved_model.load(os.path.join(output_dir, "saved_model"))
    result["load_seconds"] = round(time.monotonic() - started, 1)
    if image is not None:
        outputs = detect(image[tf.newaxis, ...])
        result["detections"] = _detections(
            outputs["detection_scores"][0],
            outputs["detection_classes"][0],
            outputs["detection_boxes"][0],
            class_offset=0,
            keep=100,  # all of them: the gate looks up each TFLite detection among them
        )
        result.update(_returned(outputs["detection_scores"][0], outputs["detection_classes"][0], class_offset=0))
        result["outputs"] = {name: [int(size) for size in value.shape] for name, value in outputs.items()}
        result["image"] = [int(image.shape[0]), int(image.shape[1])]
    if tflite_dir:
        result["tflite"] = _tflite(tf, config, checkpoint_dir, tflite_dir, image, max_detections)
        result["tflite"]["path"] = as_named(result["tflite"]["path"], tflite_dir, shown_tflite)
    return result


def _tflite(tf, config, checkpoint_dir: str, output_dir: str, image, max_detections: int | None = None) -> dict:
    """export_tflite_graph_tf2.py's SSD graph, converted to model.tflite and run once by the interpreter."""
    from object_detection import export_tflite_graph_lib_tf2

    if not max_detections:  # pipecheck export computes it from the records (export_job.tflite_max_detections)
        max_detections = config.model.ssd.post_processing.batch_non_max_suppression.max_total_detections or 10
    export_tflite_graph_lib_tf2.export_tflite_model(config, checkpoint_dir, output_dir, max_detections, False)
    model = tf.lite.TFLiteConverter.from_saved_model(os.path.join(output_dir, "saved_model")).convert()
    path = Path(output_dir) / "model.tflite"
    path.write_bytes(model)
    result = {"path": str(path), "bytes": len(model)}
    if image is not None:
        interpreter = tf.lite.Interpreter(model_content=model)
        height, width = (int(size) for size in interpreter.get_input_details()[0]["shape"][1:3])
        # The TFLite graph starts after the model's preprocessing: MobileNet's scaling to [-1, 1].
        pixels = tf.image.resize(tf.cast(image, tf.float32), (height, width)) * (2.0 / 255.0) - 1.0
        # inference_fn returns (num_detections, scores, classes, boxes): output_0 to output_3.
        outputs = interpreter.get_signature_runner()(input=pixels[tf.newaxis, ...].numpy())
        result["detections"] = _detections(
            outputs["output_1"][0], outputs["output_2"][0], outputs["output_3"][0], class_offset=1, keep=10
        )
        result.update(_returned(outputs["output_1"][0], outputs["output_2"][0], class_offset=1))
    return result


def _first_image(tf, record: str):
    for raw in tf.data.TFRecordDataset(record).take(1):
        features = tf.io.parse_single_example(raw, {"image/encoded": tf.io.FixedLenFeature([], tf.string)})
        return tf.io.decode_image(features["image/encoded"], channels=3, expand_animations=False)
    return None


def _detections(scores, classes, boxes, class_offset: int, keep: int = 5) -> list[dict]:
    scores, classes, boxes = (getattr(v, "numpy", lambda v=v: v)() for v in (scores, classes, boxes))
    found = []
    for index in range(min(keep, len(scores))):
        found.append(
            {
                "class": int(classes[index]) + class_offset,
                "score": round(float(scores[index]), 4),
                "box": [round(float(v), 4) for v in boxes[index]],
            }
        )
    return found


def _returned(scores, classes, class_offset: int) -> dict:
    """The class ids of every detection with a score (the export gate checks them against the label map)."""
    scores, classes = (getattr(v, "numpy", lambda v=v: v)() for v in (scores, classes))
    return {"class_ids": sorted({int(c) + class_offset for c, s in zip(classes, scores) if s > 0})}


def evaluate(pipeline: str, checkpoint_dir: str, model_dir: str, model_dir_fd: int | None = None) -> dict:
    """model_main_tf2.py --checkpoint_dir: one pass over the eval records, metrics returned; the events are
    written through `model_dir_fd` (see train), which is also checkpoint_dir when both name one folder."""
    import tensorflow as tf
    from object_detection import model_lib_v2

    from pipecheck.folders import through_descriptor

    written = through_descriptor(model_dir, model_dir_fd)
    checkpoint_dir = written if checkpoint_dir == model_dir else checkpoint_dir

    captured = []
    original = model_lib_v2.eager_eval_loop

    def capture(*args, **kwargs):
        metrics = original(*args, **kwargs)
        captured.append(metrics)
        return metrics

    model_lib_v2.eager_eval_loop = capture
    tf.config.set_soft_device_placement(True)
    model_lib_v2.eval_continuously(
        pipeline_config_path=pipeline, model_dir=written, checkpoint_dir=checkpoint_dir, wait_interval=0, timeout=1
    )
    metrics = {name: float(value) for name, value in (captured[-1] if captured else {}).items()}
    return {"metrics": metrics}


TASKS = {"train": train, "export": export, "eval": evaluate}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    task, options = argv[0], json.loads(argv[1])
    apply_compatibility_fixes()
    result = TASKS[task](**options)
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 130 if result.get("interrupted") else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # TensorFlow's teardown can crash (SIGSEGV) after the work is done and saved
