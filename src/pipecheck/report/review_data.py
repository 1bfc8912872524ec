"""What the peer-review report shows, gathered from a finished run (the report pages only lay it out)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import _, n_
from pipecheck.odapi import schedules
from pipecheck.odapi.estimates import estimate_training
from pipecheck.odapi.exposure import class_exposure
from pipecheck.odapi.machine import format_bytes
from pipecheck.report.diff import diff_rows

SAMPLES = 8


@dataclass
class Derived:
    name: str
    value: str
    working: str


@dataclass
class Sample:
    name: str
    mime: str
    data: str  # base64
    width: int
    height: int
    boxes: list[tuple[float, float, float, float, str]]


@dataclass
class ReviewData:
    result: object
    glance: list[tuple[str, str]] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    learning_rate: list[tuple[int, float]] = field(default_factory=list)
    learning_rate_marks: list[tuple[float, str]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    class_counts: dict[str, list[int]] = field(default_factory=dict)
    objects_per_image: dict[str, list[int]] = field(default_factory=dict)
    box_pixels: list[tuple[float, float]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    checklist: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def diff(self):
        return diff_rows(self.result.config, self.result.original) if self.result.config else []

    @property
    def findings(self):
        return self.result.findings


def collect(result) -> ReviewData:
    data = ReviewData(result)
    if result.fatal or result.config is None:
        return data
    config = result.config
    records = result.fixture("records")
    label_map = result.fixture("label_map")
    machine = result.fixture("machine")
    _glance(data, result, config, label_map, records)
    _derived(data, config, records, machine)
    _data_charts(data, config, records, label_map)
    data.samples = read_samples(records)
    _checklist(data, result)
    return data


def _glance(data: ReviewData, result, config, label_map, records) -> None:
    project = result.project
    extractor = config.feature_extractor_type() or "—"
    data.glance = [
        (_("Network"), project.net_name),
        (_("Meta-architecture"), f"{config.arch or '—'} ({extractor})"),
        (
            _("Classes"),
            ", ".join(f"{item.id}: {item.name or item.display_name}" for item in label_map.items)
            if label_map
            else _("label map not readable"),
        ),
        (_("Launch root"), str(project.root)),
        (_("Config"), project.display(project.config_path)),
        (_("Original"), project.display(result.original.path) if result.original else _("not found")),
        (_("Schema"), result.schema.describe() if result.schema else "—"),
    ]
    if records is not None:
        for reader in [records.train, *records.evals]:
            if reader is not None:
                boxes = sum(sum(f.objects) for f in reader.files)
                data.glance.append(
                    (
                        reader.reader,
                        n_(
                            "{images} images, {boxes} boxes in {count} file",
                            "{images} images, {boxes} boxes in {count} files",
                            len(reader.files),
                            images=reader.records,
                            boxes=boxes,
                        ),
                    )
                )


def _derived(data: ReviewData, config, records, machine) -> None:
    train = config.train
    steps, batch = train.num_steps, train.batch_size
    examples = records.train.records if records is not None and records.train else 0
    if examples:
        data.derived.append(
            Derived(
                _("Epochs"),
                f"{steps * batch / examples:.1f}",
                _(
                    "num_steps × batch_size / training images = {steps} × {batch} / {examples}",
                    steps=steps,
                    batch=batch,
                    examples=examples,
                ),
            )
        )
        _exposure(data, records.train, batch, steps)
    found = config.learning_rate()
    if found is not None:
        path, name, schedule = found
        data.learning_rate = schedules.curve(name, schedule, steps or 1)
        warmup = getattr(schedule, "warmup_steps", 0) or getattr(schedule, "burnin_steps", 0)
        if warmup and steps:
            data.derived.append(
                Derived(
                    _("Warmup"),
                    f"{100 * warmup / steps:.0f} %",
                    _("warmup steps / num_steps = {warmup} / {steps}", warmup=warmup, steps=steps),
                )
            )
            data.learning_rate_marks.append((min(warmup, steps), _("end of warmup")))
        if data.learning_rate:
            last = data.learning_rate[-1][1]
            data.derived.append(
                Derived(
                    _("Final learning rate"), f"{last:.3g}", _("{schedule} at step {steps}", schedule=name, steps=steps)
                )
            )
    estimate = estimate_training(config)
    if estimate is not None:
        peak = estimate.needed_bytes(batch)
        available = ""
        if machine is not None:
            available = (
                _("{size} given", size=format_bytes(machine.ram_available))
                if machine.ram_given
                else _("{size} available", size=format_bytes(machine.ram_available))
            )
        data.derived.append(
            Derived(
                _("Peak RAM"),
                format_bytes(peak),
                _(
                    "({fixed:.1f} GiB + {batch} × {per_image:.2f} GiB) × 1.15 margin; {available}",
                    fixed=estimate.fixed_mib / 1024,
                    batch=batch,
                    per_image=estimate.per_image_mib / 1024,
                    available=available,
                ),
            )
        )
        seconds = estimate.seconds_per_step(batch)
        if seconds and steps:
            data.derived.append(
                Derived(
                    _("Training time (CPU)"),
                    f"{steps * seconds / 3600:.1f} h",
                    _(
                        "num_steps × seconds per step = {steps} × {seconds:.2f} s (measured on a 2-core CPU, {family})",
                        steps=steps,
                        seconds=seconds,
                        family=estimate.family.label,
                    ),
                )
            )


def _exposure(data: ReviewData, train, batch: int, steps: int) -> None:
    exposure = class_exposure(train, batch, steps)
    for seen in exposure.classes if exposure else []:
        data.derived.append(
            Derived(
                _("Times {name!r} is seen", name=seen.name),
                f"{seen.views:.0f}",
                _("{boxes} training boxes × {epochs:.1f} epochs", boxes=seen.boxes, epochs=exposure.epochs),
            )
        )


def _data_charts(data: ReviewData, config, records, label_map) -> None:
    if records is None:
        return
    readers = [r for r in [records.train, *records.evals] if r is not None]
    names = [item.name for item in label_map.items] if label_map else []
    for reader in readers:
        names += [n for n in reader.class_boxes() if n not in names]
    data.classes = names
    for reader in readers:
        counts = reader.class_boxes()
        data.class_counts[reader.reader] = [counts.get(name, 0) for name in names]
        objects = [count for facts in reader.files for count in facts.objects]
        histogram = [0] * (max(objects, default=0) + 1)
        for count in objects:
            histogram[count] += 1
        data.objects_per_image[reader.reader] = histogram
    if records.train:
        data.box_pixels = _box_pixels(config, records.train)


def _box_pixels(config, reader) -> list[tuple[float, float]]:
    """Box width and height in the network's input pixels, after the configured resizer."""
    model = config.model
    if model is None or not model.HasField("image_resizer"):
        return []
    resizer = model.image_resizer
    kind = resizer.WhichOneof("image_resizer_oneof")
    points = []
    for facts in reader.files:
        sizes = [s for s in facts.image_sizes if s[0] > 0 and s[1] > 0] or [[1, 1]]  # a 0x0 image is PC7xx's
        width = sum(s[0] for s in sizes) / len(sizes)
        height = sum(s[1] for s in sizes) / len(sizes)
        if kind == "fixed_shape_resizer":
            scale_x, scale_y = resizer.fixed_shape_resizer.width, resizer.fixed_shape_resizer.height
        elif kind == "keep_aspect_ratio_resizer":
            keep = resizer.keep_aspect_ratio_resizer
            scale = min(keep.min_dimension / min(width, height), keep.max_dimension / max(width, height))
            scale_x, scale_y = width * scale, height * scale
        else:
            scale_x, scale_y = width, height
        points += [(w * scale_x, h * scale_y) for w, h in facts.box_sizes]
    return points


def read_samples(records, count: int = SAMPLES) -> list[Sample]:
    """The first images of the training records with their boxes (read again: the pass keeps no image)."""
    from pipecheck.artifacts.tfproto import message_classes
    from pipecheck.artifacts.tfrecord import RecordReader

    if records is None or not records.train:
        return []
    example_class = message_classes()["Example"]
    samples: list[Sample] = []
    for facts in records.train.files:
        try:
            for index, _offset, payload in RecordReader(Path(facts.path)):
                if len(samples) >= count:
                    return samples
                try:
                    features = example_class.FromString(payload).features.feature
                except Exception:
                    continue
                sample = _sample(features, f"{Path(facts.path).name} #{index}")
                if sample is not None:
                    samples.append(sample)
        except OSError:  # gone or unreadable since the lint read it: PC701 says so, the gallery shows the others
            continue
    return samples


def _sample(features, name: str) -> Sample | None:
    from pipecheck.artifacts.images import inspect_image

    if "image/encoded" not in features or not features["image/encoded"].bytes_list.value:
        return None
    encoded = features["image/encoded"].bytes_list.value[0]
    info = inspect_image(encoded)
    if info.format not in ("jpeg", "png", "gif", "bmp") or not info.complete or info.width <= 0 or info.height <= 0:
        return None

    def values(key):
        feature = features[key] if key in features else None
        kind = feature.WhichOneof("kind") if feature is not None else None
        return list(getattr(feature, kind).value) if kind else []

    texts = [t.decode("utf-8", "replace") for t in values("image/object/class/text")]
    labels = [str(v) for v in values("image/object/class/label")]
    columns = [values(f"image/object/bbox/{k}") for k in ("ymin", "xmin", "ymax", "xmax")]
    boxes = [
        (*box, texts[i] if i < len(texts) else labels[i] if i < len(labels) else "?")
        for i, box in enumerate(zip(*columns))
    ]
    return Sample(
        name, f"image/{info.format}", base64.b64encode(encoded).decode("ascii"), info.width, info.height, boxes
    )


def _checklist(data: ReviewData, result) -> None:
    """The sign-off items the rules declare (`checklist=` in @rule), each pre-filled from its rules' outcomes."""
    items: dict[str, list] = {}
    for outcome in result.outcomes:
        if outcome.rule.checklist:
            items.setdefault(outcome.rule.checklist, []).append(outcome)
    for item, seen in items.items():
        serious = [f for o in seen for f in o.findings if f.severity in ("error", "warning")]
        if any(f.severity == "error" for f in serious):
            status = "error"
        elif serious:
            status = "warning"
        elif all(o.status in ("passed", "failed") for o in seen):
            status = "passed"
        else:
            status = "undecided"
        data.checklist.append((_(item), status, tuple(o.rule.code for o in seen)))
