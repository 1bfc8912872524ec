"""Write TFRecords, tf.train.Examples and checkpoint bundles without TensorFlow.

Used by the example project's generator and by the tests; files written here are byte-for-byte
what TensorFlow's writers produce for the same content (checked in the slow test tier).
"""

from __future__ import annotations

import gzip
import random
import struct
import zlib
from pathlib import Path

from pipecheck.artifacts.crc import crc32c, mask, masked_crc32c
from pipecheck.artifacts.sstable import write_table
from pipecheck.artifacts.tfproto import DTYPES, message_classes

_DTYPE_NUMBERS = {name: number for number, name in DTYPES.items()}


def frame_record(payload: bytes) -> bytes:
    length = struct.pack("<Q", len(payload))
    return length + struct.pack("<I", masked_crc32c(length)) + payload + struct.pack("<I", masked_crc32c(payload))


def write_tfrecord(path: Path, payloads, compression: str = "") -> int:
    """Write records (bytes or Example messages); compression is "", "GZIP" or "ZLIB"."""
    data = b"".join(
        frame_record(p if isinstance(p, bytes) else p.SerializeToString(deterministic=True)) for p in payloads
    )
    if compression == "GZIP":
        data = gzip.compress(data, mtime=0)
    elif compression == "ZLIB":
        data = zlib.compress(data)
    Path(path).write_bytes(data)
    return len(data)


def make_example(features: dict):
    """A tf.train.Example from {key: list of bytes | floats | ints} (the type is taken from the values)."""
    Example = message_classes()["Example"]
    example = Example()
    for key, values in features.items():
        feature = example.features.feature[key]
        values = list(values)
        if values and isinstance(values[0], (bytes, str)):
            feature.bytes_list.value.extend(v.encode() if isinstance(v, str) else v for v in values)
        elif values and isinstance(values[0], float):
            feature.float_list.value.extend(values)
        elif values:
            feature.int64_list.value.extend(int(v) for v in values)
        else:
            feature.float_list.SetInParent()
    return example


def detection_example(
    jpeg: bytes,
    width: int,
    height: int,
    boxes,
    classes,
    label_ids=None,
    filename: str = "",
    image_format: bytes = b"jpeg",
    source_id: str = "",
):
    """An Example in the layout the OD API's TfExampleDecoder reads (boxes normalised ymin, xmin, ymax, xmax)."""
    features = {
        "image/encoded": [jpeg],
        "image/format": [image_format],
        "image/height": [height],
        "image/width": [width],
        "image/filename": [filename.encode()],
        "image/source_id": [(source_id or filename).encode()],
        "image/object/bbox/ymin": [float(b[0]) for b in boxes],
        "image/object/bbox/xmin": [float(b[1]) for b in boxes],
        "image/object/bbox/ymax": [float(b[2]) for b in boxes],
        "image/object/bbox/xmax": [float(b[3]) for b in boxes],
        "image/object/class/text": [c.encode() for c in classes],
    }
    if label_ids is not None:
        features["image/object/class/label"] = list(label_ids)
    return make_example(features)


def write_checkpoint(prefix: Path, tensors: dict, object_graph: bytes | None = b"", shards: int = 1) -> list[Path]:
    """Write `<prefix>.index` and `<prefix>.data-0000N-of-0000M` in TensorFlow's tensor-bundle format.

    `tensors` maps variable keys to (dtype name, shape, raw little-endian bytes). Tensors are
    spread over `shards` data files in key order. `object_graph` is the serialised
    TrackableObjectGraph of an object-based (TF2) checkpoint; None writes a TF1, name-based one.
    Returns the files written.
    """
    classes = message_classes()
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    entries = dict(tensors)
    if object_graph is not None:
        entries["_CHECKPOINTABLE_OBJECT_GRAPH"] = ("string", [], object_graph)
    keys = sorted(entries)
    shard_data = [bytearray() for _ in range(shards)]
    table = []
    header = classes["BundleHeaderProto"](num_shards=shards, endianness=0)
    header.version.producer = 1
    table.append((b"", header.SerializeToString()))
    for position, key in enumerate(keys):
        dtype, shape, raw = entries[key]
        shard = position * shards // len(keys)
        if dtype == "string":
            raw, checksum = _string_tensor(raw)
        else:
            checksum = masked_crc32c(raw)
        entry = classes["BundleEntryProto"](
            dtype=_DTYPE_NUMBERS[dtype], shard_id=shard, offset=len(shard_data[shard]), size=len(raw), crc32c=checksum
        )
        for size in shape:
            entry.shape.dim.add(size=size)
        shard_data[shard].extend(raw)
        table.append((key.encode(), entry.SerializeToString()))
    written = [Path(f"{prefix}.index")]
    write_table(written[0], table)
    for shard, data in enumerate(shard_data):
        path = Path(f"{prefix}.data-{shard:05d}-of-{shards:05d}")
        path.write_bytes(bytes(data))
        written.append(path)
    return written


def _string_tensor(value: bytes) -> tuple[bytes, int]:
    """A scalar string tensor as BundleWriter stores it (WriteStringTensor in tensor_bundle.cc).

    On disk: varint64 length, masked CRC of the lengths, the bytes. The entry's checksum runs
    over the length as a uint32, the length checksum and the bytes.
    """
    length_as_uint32 = struct.pack("<I", len(value))
    length_checksum = struct.pack("<I", mask(crc32c(length_as_uint32)))
    checksum = crc32c(value, crc32c(length_checksum, crc32c(length_as_uint32)))
    return _varint(len(value)) + length_checksum + value, mask(checksum)


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def scalar_event(step: int, wall_time: float, scalars: dict[str, float]) -> bytes:
    """An Event as tf.summary.scalar writes it in TF2: one float32 tensor per tag."""
    event = message_classes()["Event"](step=step, wall_time=wall_time)
    for tag, value in scalars.items():
        entry = event.summary.value.add(tag=tag)
        entry.tensor.dtype = 1  # DT_FLOAT
        entry.tensor.tensor_content = struct.pack("<f", value)
    return event.SerializeToString()


def object_graph_for(keys) -> bytes:
    """A TrackableObjectGraph whose nodes follow object-based keys (`model/a/kernel/.ATTRIBUTES/VARIABLE_VALUE`).

    What tf.train.Checkpoint writes for objects nested by those attribute names; keys without
    `/.ATTRIBUTES/` are left out of the graph, as TensorFlow's own bookkeeping entries are.
    """
    graph = message_classes()["TrackableObjectGraph"]()
    graph.nodes.add()
    children: dict[tuple[int, str], int] = {}
    for key in sorted(keys):
        path, marker, attribute = key.partition("/.ATTRIBUTES/")
        if not marker:
            continue
        node = 0
        for name in path.split("/"):
            if (node, name) not in children:
                children[(node, name)] = len(graph.nodes)
                graph.nodes[node].children.add(node_id=len(graph.nodes), local_name=name)
                graph.nodes.add()
            node = children[(node, name)]
        graph.nodes[node].attributes.add(name=attribute, full_name=path, checkpoint_key=key)
    return graph.SerializeToString(deterministic=True)


# Object-based names and kernel shapes as the OD API saves a detection model: the meta-architecture's
# attributes after "model/", a ResNet's 7x7x3x64 stem, MobileNet's 3x3 depthwise kernels.
_ATTRIBUTE = "/.ATTRIBUTES/VARIABLE_VALUE"
STANDIN_TENSORS = {
    "faster_rcnn": {
        "model/_feature_extractor_for_proposal_features/layer_with_weights-0/kernel": (7, 7, 3, 64),
        "model/_feature_extractor_for_proposal_features/layer_with_weights-1/gamma": (64,),
        "model/_feature_extractor_for_box_classifier_features/layer_with_weights-0/kernel": (1, 1, 64, 8),
        "model/_first_stage_box_predictor/_box_prediction_heads/box_encodings/0/kernel": (1, 1, 64, 12),
        "model/_mask_rcnn_box_predictor/_box_prediction_head/_box_encoder_layers/0/kernel": (8, 8),
        "model/_mask_rcnn_box_predictor/_class_prediction_head/_class_predictor_layers/0/kernel": (8, 91),
    },
    "ssd": {
        "model/_feature_extractor/classification_backbone/layer_with_weights-0/kernel": (3, 3, 3, 32),
        "model/_feature_extractor/classification_backbone/layer_with_weights-2/depthwise_kernel": (3, 3, 32, 1),
        "model/_box_predictor/_base_tower_layers_for_heads/box_encodings/0/kernel": (3, 3, 32, 1),
        "model/_box_predictor/_box_prediction_head/_box_encoder_layers/0/kernel": (3, 3, 32, 24),
    },
}


def write_checkpoint_standin(folder: Path, arch: str = "faster_rcnn", object_graph: bool = False) -> None:
    """A tiny checkpoint in TensorFlow's real format, named like a zoo detection model's, for linting only.

    Without `object_graph` its _CHECKPOINTABLE_OBJECT_GRAPH is empty, as the committed example's is, and
    pipecheck says (PC312) that the OD API cannot restore it. With it, the graph links the tensors as
    tf.train.Checkpoint would (the tests' clean project); the shapes stay far too small to train either way.
    """
    rng = random.Random(7)
    tensors = {}
    for name, shape in STANDIN_TENSORS[arch].items():
        count = 1
        for size in shape:
            count *= size
        data = struct.pack(f"<{count}f", *(rng.gauss(0, 0.05) for _ in range(count)))
        tensors[name + _ATTRIBUTE] = ("float32", list(shape), data)
    tensors["save_counter" + _ATTRIBUTE] = ("int64", [], struct.pack("<q", 1))
    folder.mkdir(parents=True, exist_ok=True)
    write_checkpoint(folder / "ckpt-0", tensors, object_graph=object_graph_for(tensors) if object_graph else b"")
    (folder / "checkpoint").write_text('model_checkpoint_path: "ckpt-0"\nall_model_checkpoint_paths: "ckpt-0"\n')


def flexbuffer_map_int(key: str, value: int) -> bytes:
    """A FlexBuffer holding {key: value} (the layout of flatbuffers' flexbuffers.h, 4-byte values)."""
    name = key.encode() + b"\0"
    keys = bytes([1, len(name) + 1])  # the keys vector: its size, then the offset back to the key
    prefix = struct.pack("<III", 1, 1, 1)  # offset back to the keys vector, its byte width, the map's size
    values = struct.pack("<i", value) + bytes([1 << 2 | 2])  # the value, then its type: an int of 4 bytes
    return name + keys + prefix + values + bytes([len(values), 9 << 2 | 2, 1])  # root: back to the values, a map


def tflite_with_outputs(shapes: list[list[int]], max_detections: int | None = None) -> bytes:
    """A TFLite flatbuffer whose first subgraph's outputs have these shapes, and with `max_detections`
    a TFLite_Detection_PostProcess operator whose options say so (as export_tflite_graph_tf2.py's models have).

    Enough for pipecheck's reader (artifacts/tflite.py), which reads only these fields; every
    reference points forward, as a flatbuffer allows. tests/data/tflite holds a model TensorFlow's
    converter wrote, read alike. Not a model TensorFlow can run: it has no buffers and no kernels.
    """
    out = bytearray(struct.pack("<I", 0) + b"TFL3")

    def align() -> None:
        out.extend(b"\0" * (-len(out) % 4))

    def table(fields: dict[int, int | None]) -> dict[int, int]:
        """Write a table whose fields are scalars (int) or references (None, patched later); their slots."""
        count = max(fields) + 1
        offsets = [0] * count
        for slot, index in enumerate(fields):
            offsets[index] = 4 + 4 * slot
        align()
        vtable = len(out)
        out.extend(struct.pack(f"<HH{count}H", 4 + 2 * count, 4 + 4 * len(fields), *offsets))
        align()
        start = len(out)
        out.extend(struct.pack("<i", start - vtable))
        slots = {}
        for index, value in fields.items():
            slots[index] = len(out)
            out.extend(struct.pack("<I", value or 0))
        return {"start": start, **slots}

    def point(slot: int, target: int | None = None) -> None:
        """Make the reference at `slot` point at `target` (default: what is written next)."""
        align()
        out[slot : slot + 4] = struct.pack("<I", (len(out) if target is None else target) - slot)

    def one_table(slot: int, fields: dict[int, int | None]) -> dict[int, int]:
        """A vector of one table at `slot`, and the table."""
        point(slot)
        out.extend(struct.pack("<II", 1, 0))
        element = len(out) - 4
        written = table(fields)
        point(element, written["start"])
        return written

    def byte_vector(slot: int, data: bytes) -> None:
        point(slot)
        out.extend(struct.pack("<I", len(data)) + data + b"\0")

    detection = max_detections is not None
    model = table({0: 3, 1: None, 2: None} if detection else {0: 3, 2: None})  # version, operator_codes, subgraphs
    out[0:4] = struct.pack("<I", model["start"])
    if detection:
        code = one_table(model[1], {1: None})  # custom_code
        byte_vector(code[1], b"TFLite_Detection_PostProcess")
    graph = one_table(model[2], {0: None, 2: None, 3: None} if detection else {0: None, 2: None})
    point(graph[2])
    out.extend(struct.pack(f"<I{len(shapes)}i", len(shapes), *range(len(shapes))))
    point(graph[0])
    out.extend(struct.pack("<I", len(shapes)))
    tensor_slots = [len(out) + 4 * i for i in range(len(shapes))]
    out.extend(b"\0" * 4 * len(shapes))
    for slot, shape in zip(tensor_slots, shapes):
        tensor = table({0: None})
        point(slot, tensor["start"])
        point(tensor[0])
        out.extend(struct.pack(f"<I{len(shape)}i", len(shape), *shape))
    if detection:
        operator = one_table(graph[3], {0: 0, 5: None})  # opcode_index 0, custom_options
        byte_vector(operator[5], flexbuffer_map_int("max_detections", max_detections))
    return bytes(out)
