"""Follow a training's TensorBoard event files without TensorFlow: the loss and rate of every step.

An events file (`train/events.out.tfevents.*`) is a TFRecord file of `Event` messages that
the training appends to while it runs. Scalars written by `tf.summary.scalar` arrive as
float32 tensors (older writers used `simple_value`). Only whole records are read: a record the
writer has not finished is picked up at the next poll.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from pipecheck.artifacts.crc import masked_crc32c
from pipecheck.guarded import RECORD_LIMIT, open_regular

_HEADER = struct.Struct("<QI")
_FLOAT32, _FLOAT64 = 1, 2


@dataclass(frozen=True)
class Scalar:
    step: int
    wall_time: float
    tag: str
    value: float


class EventsFollower:
    """Scalars appended to the events files of a folder since the last poll()."""

    def __init__(self, folder: Path, skip_existing: bool = True):
        """With `skip_existing`, what the folder holds already (an earlier run's steps) is not reported."""
        self.folder = Path(folder)
        self.offsets: dict[Path, int] = {}
        if skip_existing and self.folder.is_dir():
            self.offsets = {path: path.stat().st_size for path in self.folder.glob("events.out.tfevents.*")}

    def poll(self) -> list[Scalar]:
        if not self.folder.is_dir():
            return []
        found: list[Scalar] = []
        for path in sorted(self.folder.glob("events.out.tfevents.*")):
            offset = self.offsets.get(path, 0)
            try:
                with open_regular(path) as stream:
                    stream.seek(offset)
                    data = stream.read(RECORD_LIMIT)  # scalars are small; the rest is read at the next poll
            except OSError:  # rotated away, or not a file: the next poll looks again
                continue
            used = 0
            for payload, end in _whole_records(data):
                found.extend(scalars_of(payload))
                used = end
            self.offsets[path] = offset + used
        return found


def _whole_records(data: bytes):
    """(payload, end offset) for each complete, intact record at the start of `data`."""
    position = 0
    while len(data) - position >= _HEADER.size:
        length, length_crc = _HEADER.unpack_from(data, position)
        if masked_crc32c(data[position : position + 8]) != length_crc:
            return  # not a record boundary: a torn write; stop here rather than misread
        end = position + _HEADER.size + length + 4
        if end > len(data):
            return
        position, payload = end, data[position + _HEADER.size : end - 4]
        yield payload, position


def scalars_of(payload: bytes) -> list[Scalar]:
    from pipecheck.artifacts.tfproto import message_classes

    event = message_classes()["Event"].FromString(payload)
    found = []
    for value in event.summary.value:
        number = _number(value)
        if number is not None:
            found.append(Scalar(event.step, event.wall_time, value.tag, number))
    return found


def _number(value) -> float | None:
    if value.HasField("simple_value"):
        return value.simple_value
    if not value.HasField("tensor"):
        return None
    tensor = value.tensor
    if tensor.float_val:
        return tensor.float_val[0]
    if tensor.double_val:
        return tensor.double_val[0]
    if tensor.dtype == _FLOAT32 and len(tensor.tensor_content) == 4:
        return struct.unpack("<f", tensor.tensor_content)[0]
    if tensor.dtype == _FLOAT64 and len(tensor.tensor_content) == 8:
        return struct.unpack("<d", tensor.tensor_content)[0]
    return None
