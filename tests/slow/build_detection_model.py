"""Build an OD API detection model from a config and save it as a zoo detection checkpoint.

    python build_detection_model.py CONFIG OUT_FOLDER [NUMBER]   (prints the checkpoint prefix)
    python build_detection_model.py --each CONFIG OUT_FOLDER [CONFIG OUT_FOLDER ...]

NUMBER 0 names it ckpt-0, as in the zoo's archives. With --each, one model per config, each saved
in its folder and its prefix printed on a line of its own (TensorFlow imported once for them all).

Run in a subprocess with PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python: the OD API's old-style
protos need it under protobuf 4. On TensorFlow >= 2.16 it takes the launcher's TF_USE_LEGACY_KERAS=1
(Keras 3 cannot build the OD API's models) and its stand-ins for what the OD API imports and TF
no longer ships (pipecheck/wrappers/compat.py).
"""

import sys

from pipecheck.wrappers import compat


def announce(message):
    print(message, file=sys.stderr)


compat.set_legacy_keras(announce)
import tensorflow as tf  # noqa: E402

compat.apply_stand_ins(announce)
from object_detection.builders import model_builder  # noqa: E402
from object_detection.utils import config_util  # noqa: E402


def build(config_path: str, out: str, number: int | None) -> str:
    model_config = config_util.get_configs_from_pipeline_file(config_path)["model"]
    arch = model_config.WhichOneof("model")
    getattr(model_config, arch).num_classes = 2
    model = model_builder.build(model_config=model_config, is_training=False)
    size = 256 if arch == "faster_rcnn" else 320
    images, shapes = model.preprocess(tf.zeros([1, size, size, 3]))
    model.predict(images, shapes)
    return tf.train.CheckpointManager(tf.train.Checkpoint(model=model), out, max_to_keep=1).save(
        checkpoint_number=number
    )


if sys.argv[1] == "--each":
    for index in range(2, len(sys.argv), 2):
        print(build(sys.argv[index], sys.argv[index + 1], None), flush=True)
        tf.keras.backend.clear_session()
else:
    print(build(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None))
