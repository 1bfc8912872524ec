"""Build an OD API detection model from a config and save it as a zoo detection checkpoint.

    python build_detection_model.py CONFIG OUT_FOLDER [NUMBER]   (prints the checkpoint prefix)

NUMBER 0 names it ckpt-0, as in the zoo's archives.

Run in a subprocess with PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python: the OD API's old-style
protos need it under protobuf 4.
"""

import sys

import tensorflow as tf
from object_detection.builders import model_builder
from object_detection.utils import config_util

config_path, out = sys.argv[1], sys.argv[2]
number = int(sys.argv[3]) if len(sys.argv) > 3 else None
model_config = config_util.get_configs_from_pipeline_file(config_path)["model"]
arch = model_config.WhichOneof("model")
getattr(model_config, arch).num_classes = 2
model = model_builder.build(model_config=model_config, is_training=False)
size = 256 if arch == "faster_rcnn" else 320
images, shapes = model.preprocess(tf.zeros([1, size, size, 3]))
model.predict(images, shapes)
print(tf.train.CheckpointManager(tf.train.Checkpoint(model=model), out, max_to_keep=1).save(checkpoint_number=number))
