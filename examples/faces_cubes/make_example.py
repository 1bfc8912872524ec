"""Build the course's faces_cubes project: real JPEG images of cubes, TFRecords, label map, edited config.

    python examples/faces_cubes/make_example.py [DESTINATION] [--layout course|course-a|tutorial]
                                                [--checkpoint standin|real]

Without arguments it rebuilds examples/faces_cubes/tod_tf2 in place. The images are drawn
(a table, cubes whose front face shows one or two dots) and encoded as real JPEGs; the boxes
are the front faces. The pre-trained checkpoint is, by default, a small stand-in in
TensorFlow's real checkpoint format, for linting only (see README.md): a zoo checkpoint is
200 MB and cannot be downloaded here. `--checkpoint real` (TensorFlow and the OD API needed,
the slow tier's venv) builds the network with the OD API instead and saves it, randomly
initialised, as a checkpoint training can restore (about 110 MB; build it outside the repository).
Needs Pillow, and pipecheck itself for its TFRecord and checkpoint writers and its editor.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
NET = "faster_rcnn_resnet50_v1_640x640_coco17_tpu-8"
ZOO_CONFIG = HERE / "tod_tf2" / "pre-trained" / NET / "pipeline.config"
CLASSES = ("one", "two")
LABEL_MAP = "".join(f"item {{\n  id: {i}\n  name: '{name}'\n}}\n" for i, name in enumerate(CLASSES, 1))

# Where each layout puts things, relative to its launch root.
LAYOUTS = {
    "course": {
        "pretrained": "pre-trained",
        "data": "faces_cubes/training",
        "config_dir": f"faces_cubes/training/{NET}",
    },
    "course-a": {
        "pretrained": "pre_trained",
        "data": "training/faces_cubes",
        "config_dir": f"training/faces_cubes/{NET}",
    },
    "tutorial": {"pretrained": "pre-trained-models", "data": "annotations", "config_dir": "models/my_faster_rcnn"},
}


def course_edits(layout: str = "course") -> list[tuple[str, str]]:
    """The 13 values the course edits, at lines 10..143 of the zoo file (its table, in order)."""
    places = LAYOUTS[layout]
    data, pretrained = places["data"], places["pretrained"]
    return [
        ("model.faster_rcnn.num_classes", "2"),
        ("model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_detections_per_class", "4"),
        ("model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_total_detections", "4"),
        ("train_config.batch_size", "1"),
        ("train_config.num_steps", "1000"),
        ("train_config.fine_tune_checkpoint", f'"{pretrained}/{NET}/checkpoint/ckpt-0"'),
        ("train_config.fine_tune_checkpoint_type", '"detection"'),
        ("train_config.max_number_of_boxes", "4"),
        ("train_config.use_bfloat16", "false"),
        ("train_input_reader.label_map_path", f'"{data}/label_map.pbtxt"'),
        ("train_input_reader.tf_record_input_reader.input_path[0]", f'"{data}/train.record"'),
        ("eval_input_reader[0].label_map_path", f'"{data}/label_map.pbtxt"'),
        ("eval_input_reader[0].tf_record_input_reader.input_path[0]", f'"{data}/test.record"'),
    ]


def apply_edits(text: str, edits: list[tuple[str, str]], path: Path = Path("pipeline.config")) -> str:
    """Set each field in the text, keeping comments and layout (pipecheck's editor)."""
    from pipecheck.schema import load_schema
    from pipecheck.textproto import parse_located
    from pipecheck.textproto.edit import delete_field, set_value

    pipeline_class = load_schema(Path.cwd()).pipeline_class
    for field_path, value in edits:
        located = parse_located(path, text, pipeline_class)
        text = delete_field(located, field_path) if value is None else set_value(located, field_path, value)
    return text


def draw_scene(rng: random.Random, width: int = 320, height: int = 240):
    """One photo-like JPEG of 1 to 4 cubes on a table; returns (jpeg, boxes, class names)."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = (rng.randint(150, 200), rng.randint(120, 160), rng.randint(80, 110))
    for y in range(height):  # a lit wooden table, darker towards the camera
        shade = 1.0 - 0.35 * y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(c * shade) for c in top))
    boxes, classes, taken = [], [], []
    for _ in range(rng.randint(1, 4)):
        size = rng.randint(44, 70)
        for _attempt in range(30):
            x0, y0 = rng.randint(8, width - size - 24), rng.randint(24, height - size - 8)
            if all(x0 + size + 20 < a or a + s + 20 < x0 or y0 + size < b - 20 or b + s < y0 - 20 for a, b, s in taken):
                break
        else:
            continue
        taken.append((x0, y0, size))
        depth = size // 3
        body = (rng.randint(200, 235),) * 3
        draw.polygon(
            [(x0, y0), (x0 + depth, y0 - depth), (x0 + size + depth, y0 - depth), (x0 + size, y0)],
            fill=tuple(c - 25 for c in body),
        )
        draw.polygon(
            [
                (x0 + size, y0),
                (x0 + size + depth, y0 - depth),
                (x0 + size + depth, y0 + size - depth),
                (x0 + size, y0 + size),
            ],
            fill=tuple(c - 60 for c in body),
        )
        draw.rectangle([x0, y0, x0 + size, y0 + size], fill=body, outline=(60, 60, 60))
        name = rng.choice(CLASSES)
        radius = max(4, size // 9)
        centres = [(0.5, 0.5)] if name == "one" else [(0.28, 0.28), (0.72, 0.72)]
        for cx, cy in centres:
            px, py = x0 + cx * size, y0 + cy * size
            draw.ellipse([px - radius, py - radius, px + radius, py + radius], fill=(20, 20, 30))
        boxes.append((y0 / height, x0 / width, (y0 + size) / height, (x0 + size) / width))
        classes.append(name)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    pixels = image.load()
    for _ in range(width * height // 20):  # sensor noise
        x, y = rng.randrange(width), rng.randrange(height)
        r, g, b = pixels[x, y]
        delta = rng.randint(-12, 12)
        pixels[x, y] = (max(0, min(255, r + delta)), max(0, min(255, g + delta)), max(0, min(255, b + delta)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue(), boxes, classes


def write_records(path: Path, count: int, seed: int, prefix: str) -> None:
    from pipecheck.testing.writers import detection_example, write_tfrecord

    rng = random.Random(seed)
    examples = []
    for index in range(count):
        jpeg, boxes, classes = draw_scene(rng)
        examples.append(
            detection_example(
                jpeg,
                320,
                240,
                boxes,
                classes,
                label_ids=[CLASSES.index(c) + 1 for c in classes],
                filename=f"{prefix}_{index:03d}.jpg",
            )
        )
    write_tfrecord(path, examples)


def write_real_checkpoint(folder: Path, zoo_config: Path) -> None:
    """The zoo network built by the OD API from its config and saved by tf.train.Checkpoint as ckpt-0.

    The weights are the builder's random initialisation, not the zoo's trained ones: the files are
    what a zoo archive holds in structure (object graph, names, shapes), so training restores and
    runs; only the detections of a short run are worse than from the zoo's weights.
    """
    try:
        from pipecheck.wrappers.launcher import apply_compatibility_fixes

        apply_compatibility_fixes()
        import tensorflow as tf
        from object_detection.builders import model_builder
        from object_detection.utils import config_util
    except ImportError as error:
        raise SystemExit(
            f"--checkpoint real needs TensorFlow and the OD API ({error}); use the slow tier's venv "
            "(README.md, 'The slow tier')"
        ) from None
    model_config = config_util.get_configs_from_pipeline_file(str(zoo_config))["model"]
    model = model_builder.build(model_config=model_config, is_training=False)
    images, shapes = model.preprocess(tf.zeros([1, 256, 256, 3]))
    model.predict(images, shapes)  # Keras layers make their variables on first use
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("ckpt-0.*"):
        old.unlink()
    # save(), not write(): the OD API's restore also matches the save_counter that save() records
    tf.train.CheckpointManager(tf.train.Checkpoint(model=model), str(folder), max_to_keep=1).save(checkpoint_number=0)


def build(root: Path, layout: str = "course", records: tuple[int, int] = (16, 6), checkpoint: str = "standin") -> Path:
    """Write a whole project under `root` (its launch root); returns the edited config's path."""
    places = LAYOUTS[layout]
    root.mkdir(parents=True, exist_ok=True)
    pretrained = root / places["pretrained"] / NET
    pretrained.mkdir(parents=True, exist_ok=True)
    if (pretrained / "pipeline.config").resolve() != ZOO_CONFIG:
        shutil.copyfile(ZOO_CONFIG, pretrained / "pipeline.config")
    if checkpoint == "real":
        write_real_checkpoint(pretrained / "checkpoint", pretrained / "pipeline.config")
    else:
        from pipecheck.testing.writers import write_checkpoint_standin

        write_checkpoint_standin(pretrained / "checkpoint")
    data = root / places["data"]
    data.mkdir(parents=True, exist_ok=True)
    (data / "label_map.pbtxt").write_text(LABEL_MAP)
    write_records(data / "train.record", records[0], seed=1, prefix="train")
    write_records(data / "test.record", records[1], seed=2, prefix="test")
    config = root / places["config_dir"] / "pipeline.config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(apply_edits(ZOO_CONFIG.read_text(), course_edits(layout)))
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("destination", nargs="?", type=Path, default=HERE / "tod_tf2")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="course")
    parser.add_argument(
        "--checkpoint",
        choices=("standin", "real"),
        default="standin",
        help="standin: tiny, for linting only (default); real: the network built by the OD API, "
        "trainable (needs TensorFlow)",
    )
    args = parser.parse_args()
    config = build(args.destination, args.layout, checkpoint=args.checkpoint)
    print(f"wrote {config}")
    if args.checkpoint == "standin":
        print(
            "the checkpoint is a lint-only stand-in (pipecheck reports PC312); --checkpoint real builds a trainable one"
        )


if __name__ == "__main__":
    main()
