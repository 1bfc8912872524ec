"""How many detections a TFLite detection model returns, read from its flatbuffer without TensorFlow.

export_tflite_graph_tf2.py ends the SSD graph in TFLite's custom op TFLite_Detection_PostProcess,
whose options (a FlexBuffer map) hold the max_detections the model was exported with (its
outputs' shapes are not stored: TensorFlow 2.15's converter leaves them empty). Only the fields
on that path of TFLite's schema (tensorflow/lite/schema/schema.fbs) are read: Model.operator_codes
(field 1) and subgraphs (2), OperatorCode.custom_code (1), SubGraph.tensors (0), outputs (2) and
operators (3), Operator.opcode_index (0) and custom_options (5), Tensor.shape (0). A model whose
outputs have a static [1, N, 4] shape (none of the OD API's) is read from that shape instead.
"""

from __future__ import annotations

import struct
from pathlib import Path

from pipecheck.guarded import ArtifactError, MiB, read_bytes

TFLITE_LIMIT = 512 * MiB  # a detection model for a phone is a few MB; a flatbuffer cannot pass 2 GiB


class _Buffer:
    def __init__(self, data: bytes):
        self.data = data

    def u32(self, at: int) -> int:
        if at < 0 or at + 4 > len(self.data):
            raise ValueError(at)
        return struct.unpack_from("<I", self.data, at)[0]

    def field(self, table: int, index: int) -> int | None:
        """Where field `index` of the table at `table` starts, or None when it is absent."""
        vtable = table - struct.unpack_from("<i", self.data, table)[0]
        size = struct.unpack_from("<H", self.data, vtable)[0]
        if 4 + 2 * index + 2 > size:
            return None
        offset = struct.unpack_from("<H", self.data, vtable + 4 + 2 * index)[0]
        return table + offset if offset else None

    def vector(self, table: int, index: int) -> tuple[int, int]:
        """(start of the elements, count) of a vector field; (0, 0) when absent."""
        at = self.field(table, index)
        if at is None:
            return 0, 0
        start = at + self.u32(at)
        return start + 4, self.u32(start)

    def tables(self, table: int, index: int) -> list[int]:
        start, count = self.vector(table, index)
        return [start + 4 * i + self.u32(start + 4 * i) for i in range(count)]

    def bytes_of(self, table: int, index: int) -> bytes:
        start, count = self.vector(table, index)
        if start + count > len(self.data):
            raise ValueError(start)
        return self.data[start : start + count]

    def scalar(self, table: int, index: int) -> int:
        at = self.field(table, index)
        return 0 if at is None else self.u32(at)

    def ints(self, table: int, index: int) -> list[int]:
        start, count = self.vector(table, index)
        if start + 4 * count > len(self.data):
            raise ValueError(start)
        return list(struct.unpack_from(f"<{count}i", self.data, start))


def tflite_models(folder: Path, depth: int = 2) -> list[Path]:
    """The *.tflite files in `folder` and its subfolders down to `depth` (where exports of its config land:
    pipecheck's tfliteN/, the course's tfliteexport/), sorted; symbolic links left out."""
    found, level = [], [folder]
    for _ in range(depth + 1):
        following = []
        for current in level:
            try:
                entries = sorted(current.iterdir())
            except OSError:
                continue
            for entry in entries:
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    following.append(entry)
                elif entry.suffix.lower() == ".tflite" and entry.is_file():
                    found.append(entry)
        level = following
    return found


def detections_returned(path: Path) -> int | None:
    """The max_detections of the model's TFLite_Detection_PostProcess op (else the N of a static [1, N, 4] output).

    A file that cannot be read, or is not a TFLite flatbuffer holding either, gives None.
    """
    try:
        data = read_bytes(path, TFLITE_LIMIT)
    except ArtifactError:
        return None
    if len(data) < 8 or data[4:8] != b"TFL3":
        return None
    buffer = _Buffer(data)
    try:
        root = buffer.u32(0)
        subgraphs = buffer.tables(root, 2)
        if not subgraphs:
            return None
        customs = [buffer.bytes_of(code, 1) for code in buffer.tables(root, 1)]
        for operator in buffer.tables(subgraphs[0], 3):
            index = buffer.scalar(operator, 0)
            if index < len(customs) and customs[index] == b"TFLite_Detection_PostProcess":
                found = flexbuffer_int(buffer.bytes_of(operator, 5), b"max_detections")
                if found is not None:
                    return found
        tensors = buffer.tables(subgraphs[0], 0)
        shapes = [buffer.ints(tensors[i], 0) for i in buffer.ints(subgraphs[0], 2) if 0 <= i < len(tensors)]
    except (ValueError, struct.error, IndexError):
        return None
    boxes = [shape[1] for shape in shapes if len(shape) == 3 and shape[2] == 4 and shape[1] > 0]
    return max(boxes) if boxes else None


_FLEX_INT, _FLEX_UINT, _FLEX_MAP = 1, 2, 9


def flexbuffer_int(data: bytes, key: bytes) -> int | None:
    """The integer under `key` in a FlexBuffer whose root is a map (flatbuffers' flexbuffers.h layout), else None."""

    def uint(at: int, width: int) -> int:
        if at < 0 or at + width > len(data):
            raise ValueError(at)
        return int.from_bytes(data[at : at + width], "little")

    if len(data) < 3:
        return None
    root_width = data[-1]
    packed = data[-2]
    root = len(data) - 2 - root_width
    if packed >> 2 != _FLEX_MAP:
        return None
    width = 1 << (packed & 3)
    values = root - uint(root, root_width)
    size = uint(values - width, width)
    keys_at = values - 3 * width
    keys = keys_at - uint(keys_at, width)
    key_width = uint(values - 2 * width, width)
    for i in range(size):
        slot = keys + i * key_width
        start = slot - uint(slot, key_width)
        end = data.index(b"\0", start)
        if data[start:end] != key:
            continue
        kind = data[values + size * width + i] >> 2
        raw = uint(values + i * width, width)
        if kind == _FLEX_UINT:
            return raw
        if kind == _FLEX_INT:
            return raw - (1 << (8 * width)) if raw >> (8 * width - 1) else raw
        return None
    return None


__all__ = ["detections_returned", "tflite_models"]
