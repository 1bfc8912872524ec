"""How many detections a TFLite detection model returns, read from its flatbuffer without TensorFlow.

export_tflite_graph_tf2.py ends the SSD graph in the TFLite_Detection_PostProcess op, whose
outputs have the static shapes [1, max_detections, 4] (boxes), [1, max_detections] (classes,
scores) and [1] (count). The boxes output's second dimension is the --max_detections the model
was exported with. Only the fields on that path of TFLite's schema (tensorflow/lite/schema/
schema.fbs) are read: Model.subgraphs (field 2), SubGraph.tensors (0) and outputs (2),
Tensor.shape (0).
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
    """The second dimension of the [1, N, 4] boxes output of the first subgraph, or None when there is none.

    A file that cannot be read, or is not a TFLite flatbuffer, gives None.
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
        tensors = buffer.tables(subgraphs[0], 0)
        shapes = [buffer.ints(tensors[i], 0) for i in buffer.ints(subgraphs[0], 2) if 0 <= i < len(tensors)]
    except (ValueError, struct.error, IndexError):
        return None
    boxes = [shape[1] for shape in shapes if len(shape) == 3 and shape[2] == 4 and shape[1] > 0]
    return max(boxes) if boxes else None


__all__ = ["detections_returned", "tflite_models"]
