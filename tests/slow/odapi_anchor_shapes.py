"""Print, as JSON, the (width, height) in pixels of every anchor the OD API's own generator makes.

    python odapi_anchor_shapes.py CONFIG WIDTH HEIGHT [CONFIG WIDTH HEIGHT ...]

prints one JSON list of shapes per (CONFIG, WIDTH, HEIGHT), one per line, in the order given (one
process for them all: TensorFlow and the OD API are imported once).

Run in a subprocess with PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python (the OD API's old-style
protos need it under protobuf 4). Feature maps are made up: anchor shapes do not depend on them.
"""

import json
import sys

from pipecheck.wrappers import compat

compat.set_legacy_keras(lambda message: print(message, file=sys.stderr))
import numpy as np  # noqa: E402
from google.protobuf import text_format  # noqa: E402

compat.apply_stand_ins(lambda message: print(message, file=sys.stderr))
from object_detection.builders import anchor_generator_builder  # noqa: E402
from object_detection.protos import pipeline_pb2  # noqa: E402


def shapes_of(path: str, width: int, height: int) -> list:
    config = pipeline_pb2.TrainEvalPipelineConfig()
    text_format.Merge(open(path).read(), config)
    arch = config.model.WhichOneof("model")
    model = getattr(config.model, arch)
    if arch == "faster_rcnn":
        generator = anchor_generator_builder.build(model.first_stage_anchor_generator)
        boxes = generator.generate([(height // 16, width // 16)])[0].get().numpy()  # pixels
    else:
        spec = model.anchor_generator
        generator = anchor_generator_builder.build(spec)
        if spec.WhichOneof("anchor_generator_oneof") == "multiscale_anchor_generator":
            levels = range(spec.multiscale_anchor_generator.min_level, spec.multiscale_anchor_generator.max_level + 1)
            maps = [(height // 2**level, width // 2**level) for level in levels]
        else:
            maps = [
                (max(height // 2 ** (4 + i), 1), max(width // 2 ** (4 + i), 1))
                for i in range(spec.ssd_anchor_generator.num_layers)
            ]
        boxes = np.concatenate([b.get().numpy() for b in generator.generate(maps, im_height=height, im_width=width)])
        boxes = boxes * np.array([height, width, height, width])  # normalised to pixels
    return sorted({(round(float(x1 - x0), 3), round(float(y1 - y0), 3)) for y0, x0, y1, x1 in boxes})


arguments = sys.argv[1:]
for index in range(0, len(arguments), 3):
    print(json.dumps(shapes_of(arguments[index], int(arguments[index + 1]), int(arguments[index + 2]))))
