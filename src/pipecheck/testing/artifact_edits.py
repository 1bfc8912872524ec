"""Inject one mistake into a project's records or checkpoint, for rule examples and tests.

record <file> <index|*> <op> [<op> ...]   edit one tf.train.Example (or all); an op is
    key=v1,v2      replace the feature (type from the values: 1 int, 1.0 float, else bytes)
    key=*v         set every value of the feature to v
    key[i]=v       replace one value
    del:key        remove the feature
    image/encoded=@cut:N | @exif:O | @cmyk | @size:WxH | @from:<file>:<index>   image variants
corrupt <file> <offset>      flip the bits of one byte
truncate <file> <bytes>      remove bytes from the end
gzip <file>                  compress the file in place
standin <folder> <kind>      write a checkpoint: faster_rcnn, ssd, classification, tf1, empty-graph,
                             no-model, no-save-counter or keras-classifier
tflite <file> <N>            write a TFLite model whose TFLite_Detection_PostProcess op keeps N detections
"""

from __future__ import annotations

import gzip as gzip_module
import io
import struct
from pathlib import Path

from pipecheck.artifacts.tfproto import message_classes
from pipecheck.artifacts.tfrecord import RecordReader
from pipecheck.testing.writers import (
    STANDIN_TENSORS,
    object_graph_for,
    tflite_with_outputs,
    write_checkpoint,
    write_checkpoint_standin,
    write_tfrecord,
)

ARTIFACT_STEPS = ("record ", "corrupt ", "truncate ", "gzip ", "standin ", "tflite ")


def apply_artifact_step(root: Path, step: str) -> None:
    verb, _, rest = step.partition(" ")
    if verb == "record":
        name, index, *operations = rest.split()
        edit_record(root / name, index, operations, root)
    elif verb == "corrupt":
        name, offset = rest.split()
        data = bytearray((root / name).read_bytes())
        data[int(offset)] ^= 0xFF
        (root / name).write_bytes(bytes(data))
    elif verb == "truncate":
        name, count = rest.split()
        data = (root / name).read_bytes()
        (root / name).write_bytes(data[: len(data) - int(count)])
    elif verb == "gzip":
        target = root / rest.strip()
        target.write_bytes(gzip_module.compress(target.read_bytes()))
    elif verb == "standin":
        folder, kind = rest.split()
        write_standin(root / folder, kind)
    elif verb == "tflite":
        name, count = rest.split()
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(tflite_with_outputs([[], [], [], []], max_detections=int(count)))


def read_examples(path: Path) -> list:
    Example = message_classes()["Example"]
    return [Example.FromString(payload) for _, _, payload in RecordReader(path)]


def edit_record(path: Path, index: str, operations: list[str], root: Path) -> None:
    examples = read_examples(path)
    for example in examples if index == "*" else [examples[int(index)]]:
        _edit_example(example.features.feature, operations, root)
    write_tfrecord(path, examples)


def _edit_example(features, operations: list[str], root: Path) -> None:
    for operation in operations:
        if operation.startswith("del:"):
            del features[operation[4:]]
            continue
        key, _, value = operation.partition("=")
        if value.startswith("@"):
            original = features["image/encoded"].bytes_list.value[0]
            features["image/encoded"].bytes_list.value[0] = image_variant(original, value[1:], root)
            if value.startswith("@size:"):  # a resized photo keeps its stored size right
                width, height = (int(v) for v in value[len("@size:") :].split("x"))
                features["image/width"].int64_list.value[:] = [width]
                features["image/height"].int64_list.value[:] = [height]
        elif key.endswith("]"):
            key, position = key[:-1].split("[")
            feature = features[key]
            kind = feature.WhichOneof("kind")
            getattr(feature, kind).value[int(position)] = _typed(kind, value)
        else:
            feature = features[key]
            if value.startswith("*"):  # every value of the list becomes this one
                kind = feature.WhichOneof("kind")
                values = [_typed(kind, value[1:])] * len(getattr(feature, kind).value)
            else:
                kind = _guess(value.split(",")[0])
                values = [_typed(kind, v) for v in value.split(",") if v != ""]
            feature.Clear()
            getattr(feature, kind).value.extend(values)


def _guess(text: str) -> str:
    try:
        int(text)
        return "int64_list"
    except ValueError:
        pass
    try:
        float(text)
        return "float_list"
    except ValueError:
        return "bytes_list"


def _typed(kind: str, text: str):
    return {"int64_list": int, "float_list": float, "bytes_list": str.encode}[kind](text)


def image_variant(original: bytes, spec: str, root: Path) -> bytes:
    from PIL import Image

    kind, _, argument = spec.partition(":")
    if kind == "cut":
        return original[: int(argument)]
    if kind == "from":
        name, index = argument.rsplit(":", 1)
        return read_examples(root / name)[int(index)].features.feature["image/encoded"].bytes_list.value[0]
    image = Image.open(io.BytesIO(original))
    buffer = io.BytesIO()
    if kind == "cmyk":
        image.convert("CMYK").save(buffer, format="JPEG")
    elif kind == "size":
        width, height = (int(v) for v in argument.split("x"))
        image.resize((width, height)).save(buffer, format="JPEG")
    elif kind == "exif":
        exif = Image.Exif()
        exif[0x0112] = int(argument)
        image.save(buffer, format="JPEG", exif=exif.tobytes())
    else:
        raise ValueError(f"unknown image variant {spec}")
    return buffer.getvalue()


def write_standin(folder: Path, kind: str) -> None:
    """A small checkpoint of the given kind, replacing whatever ckpt-0 the folder held."""
    for old in folder.glob("ckpt-0.*"):
        old.unlink()
    if kind in ("faster_rcnn", "ssd"):
        write_checkpoint_standin(folder, kind, object_graph=True)
        return
    if kind == "empty-graph":  # the committed example's stand-in
        write_checkpoint_standin(folder, "faster_rcnn")
        return
    floats = lambda *shape: ("float32", list(shape), struct.pack(f"<{_count(shape)}f", *([0.01] * _count(shape))))
    if kind == "classification":
        tensors = {"feature_extractor/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE": floats(7, 7, 3, 64)}
        write_checkpoint(folder / "ckpt-0", tensors, object_graph=object_graph_for(tensors))
    elif kind == "no-model":  # only the bookkeeping tf.train.Checkpoint adds
        tensors = {"save_counter/.ATTRIBUTES/VARIABLE_VALUE": ("int64", [], struct.pack("<q", 1))}
        write_checkpoint(folder / "ckpt-0", tensors, object_graph=object_graph_for(tensors))
    elif kind == "keras-classifier":  # a whole Keras classifier saved as model/: no OD API feature extractor
        tensors = {
            f"model/layer_with_weights-{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE": floats(3, 3, 3, 8) for i in range(3)
        }
        tensors["save_counter/.ATTRIBUTES/VARIABLE_VALUE"] = ("int64", [], struct.pack("<q", 1))
        write_checkpoint(folder / "ckpt-0", tensors, object_graph=object_graph_for(tensors))
    elif kind == "no-save-counter":  # the detection stand-in written by Checkpoint.write
        tensors = {
            f"{name}/.ATTRIBUTES/VARIABLE_VALUE": floats(*shape)
            for name, shape in STANDIN_TENSORS["faster_rcnn"].items()
        }
        write_checkpoint(folder / "ckpt-0", tensors, object_graph=object_graph_for(tensors))
    elif kind == "tf1":
        tensors = {
            "FirstStageFeatureExtractor/resnet_v1_50/conv1/weights": floats(7, 7, 3, 64),
            "global_step": ("int64", [], struct.pack("<q", 200000)),
        }
        write_checkpoint(folder / "ckpt-0", tensors, object_graph=None)
    else:
        raise ValueError(f"unknown stand-in kind {kind}")


def _count(shape) -> int:
    count = 1
    for size in shape:
        count *= size
    return count
