"""How many times training shows each class: boxes × epochs, from the records, batch_size and num_steps.

The OD API's training input repeats the shuffled records without end, so over a run each
image is seen about `batch_size × num_steps / images` times (the epochs) and a class with
B boxes is seen about B × epochs times. Both are expectations: with less than one epoch,
some images are never drawn at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassExposure:
    name: str
    boxes: int
    views: float  # boxes × epochs


@dataclass(frozen=True)
class Exposure:
    batch_size: int
    num_steps: int
    images: int
    classes: list[ClassExposure]

    @property
    def images_seen(self) -> int:
        return self.batch_size * self.num_steps

    @property
    def epochs(self) -> float:
        """How many times each image (and each of its boxes) is seen."""
        return self.images_seen / self.images if self.images else 0.0


def class_exposure(train_records, batch_size: int, num_steps: int, names: list[str] = ()) -> Exposure | None:
    """Exposure of every class with training boxes, and of `names` (the label map's) even without any."""
    if train_records is None or not train_records.records:
        return None
    boxes = dict.fromkeys(names, 0) | train_records.class_boxes()
    epochs = batch_size * num_steps / train_records.records
    classes = [ClassExposure(name, count, count * epochs) for name, count in boxes.items()]
    return Exposure(batch_size, num_steps, train_records.records, sorted(classes, key=lambda c: c.views))
