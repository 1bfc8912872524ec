"""The checks of one tf.train.Example against the OD API decoder's contract, and the facts they keep.

The contract is TfExampleDecoder's keys_to_features (data_decoders/tf_example_decoder.py):
fixed-length keys hold exactly one value, every key has its type, the per-object lists run
parallel to the boxes. artifacts/records.py reads a file through them in one process,
artifacts/records_split.py in several.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from pipecheck.i18n import _

BYTES, INT64, FLOAT = "bytes_list", "int64_list", "float_list"
FIXED = {
    "image/encoded": BYTES,
    "image/format": BYTES,
    "image/filename": BYTES,
    "image/key/sha256": BYTES,
    "image/source_id": BYTES,
    "image/height": INT64,
    "image/width": INT64,
}
VARIABLE = {
    "image/class/text": BYTES,
    "image/class/label": INT64,
    "image/neg_category_ids": INT64,
    "image/not_exhaustive_category_ids": INT64,
    "image/class/confidence": FLOAT,
    "image/object/bbox/xmin": FLOAT,
    "image/object/bbox/xmax": FLOAT,
    "image/object/bbox/ymin": FLOAT,
    "image/object/bbox/ymax": FLOAT,
    "image/object/class/label": INT64,
    "image/object/class/text": BYTES,
    "image/object/area": FLOAT,
    "image/object/is_crowd": INT64,
    "image/object/difficult": INT64,
    "image/object/group_of": INT64,
    "image/object/weight": FLOAT,
}
BOX_KEYS = ("image/object/bbox/ymin", "image/object/bbox/xmin", "image/object/bbox/ymax", "image/object/bbox/xmax")
PER_OBJECT = (
    "image/object/class/text",
    "image/object/class/label",
    "image/object/area",
    "image/object/is_crowd",
    "image/object/difficult",
    "image/object/group_of",
    "image/object/weight",
)
PIXEL_LIMIT = 1.01  # the OD API's own assertion: "maximum box coordinate value is larger than 1.010000"
_KEPT_PER_KIND = 20
_BOX_SAMPLE = 20000
_ID_CHARS = 256  # of a source_id kept: enough to tell ids apart, bounded for a hostile record


@dataclass
class FileRecords:
    """Facts about one record file. Indexes are record numbers, offsets are byte offsets."""

    path: str
    size: int = 0
    compression: str | None = None
    offsets: list[int] = field(default_factory=list)
    objects: list[int] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    problem_counts: dict[str, int] = field(default_factory=dict)
    class_text: dict[str, list[int]] = field(default_factory=dict)  # text -> [boxes, first record]
    class_label: dict[str, list[int]] = field(default_factory=dict)  # label -> [boxes, first record]
    pairs: dict[str, list[int]] = field(default_factory=dict)  # "text\tlabel" -> [boxes, first record]
    records_with_text: int = 0
    records_with_labels_only: int = 0
    image_sizes: list[list[int]] = field(default_factory=list)  # [width, height] per decoded record
    formats: dict[str, int] = field(default_factory=dict)
    orientations: dict[str, list[int]] = field(default_factory=dict)  # orientation -> [records, first]
    channels: dict[str, list[int]] = field(default_factory=dict)  # "jpeg:3" -> [records, first]
    hashes: list[str] = field(default_factory=list)  # of image/encoded, per record
    payload_bytes: int = 0
    box_sizes: list[list[float]] = field(default_factory=list)  # [width, height], normalised, a sample
    source_ids: dict[str, list[int]] = field(default_factory=dict)  # non-empty image/source_id -> [records, first]
    mask_kinds: dict[str, list[int]] = field(default_factory=dict)  # image/object/mask's list kind -> [records, first]

    @property
    def records(self) -> int:
        return len(self.offsets)

    def offset_of(self, index: int) -> int:
        return self.offsets[index] if 0 <= index < len(self.offsets) else -1

    def problems_of(self, *kinds: str) -> list[dict]:
        return [p for p in self.problems if p["kind"] in kinds]

    def count(self, *kinds: str) -> int:
        return sum(self.problem_counts.get(kind, 0) for kind in kinds)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> FileRecords:
        return cls(**data)


def _pad(facts: FileRecords, count: int) -> None:
    while len(facts.objects) < count:
        facts.objects.append(0)
        facts.hashes.append("")


def _note(facts: FileRecords, kind: str, index: int, offset: int, message: str, **detail) -> None:
    facts.problem_counts[kind] = facts.problem_counts.get(kind, 0) + 1
    if facts.problem_counts[kind] <= _KEPT_PER_KIND:
        facts.problems.append({"kind": kind, "index": index, "offset": offset, "message": message, **detail})


def _tally(table: dict, key: str, index: int, amount: int = 1) -> None:
    entry = table.get(key)
    if entry is None:
        table[key] = [amount, index]
    else:
        entry[0] += amount


def _scan_example(facts: FileRecords, index: int, offset: int, payload: bytes, example_class) -> None:
    facts.payload_bytes += len(payload)
    try:
        features = example_class.FromString(payload).features.feature
    except Exception:  # DecodeError, whatever the protobuf backend calls it
        _note(facts, "not-an-example", index, offset, _("the record is not a tf.train.Example"))
        facts.objects.append(0)
        return
    values = {}
    for key in features:
        feature = features[key]
        kind = feature.WhichOneof("kind")
        expected = FIXED.get(key) or VARIABLE.get(key)
        if expected is not None and kind is not None and kind != expected:
            _note(
                facts,
                "wrong-type",
                index,
                offset,
                _(
                    "{key} holds {found} values; the decoder reads {expected}",
                    key=key,
                    found=kind.replace("_list", ""),
                    expected=expected.replace("_list", ""),
                ),
                key=key,
            )
            continue
        values[key] = list(getattr(feature, kind).value) if kind else []
    for key in FIXED:
        if key in values and len(values[key]) != 1:
            _note(
                facts,
                "too-many-values",
                index,
                offset,
                _("{key} holds {count} values; the decoder reads exactly one", key=key, count=len(values[key])),
                key=key,
            )
            values[key] = values[key][:1]
    if "image/encoded" not in values:
        _note(
            facts, "missing-key", index, offset, _("image/encoded is missing: there is no image"), key="image/encoded"
        )
    _identity(facts, index, values, features)
    boxes = _boxes(facts, index, offset, values)
    facts.objects.append(len(boxes))
    _classes(facts, index, offset, values, len(boxes))
    encoded = values.get("image/encoded", [b""])
    _image(facts, index, offset, values, encoded[0] if encoded else b"")


def _identity(facts, index, values, features) -> None:
    """The source_id the evaluation keys images by, and how the masks are stored (PNG bytes or floats)."""
    source = values.get("image/source_id") or [b""]
    text = source[0].decode("utf-8", "replace")[:_ID_CHARS] if isinstance(source[0], bytes) else ""
    if text:
        _tally(facts.source_ids, text, index)
    if "image/object/mask" in features:
        kind = features["image/object/mask"].WhichOneof("kind")
        if kind and getattr(features["image/object/mask"], kind).value:
            _tally(facts.mask_kinds, kind, index)


def _boxes(facts, index, offset, values) -> list[tuple[float, float, float, float]]:
    lists = [values.get(key, []) for key in BOX_KEYS]
    if len({len(column) for column in lists}) > 1:
        lengths = ", ".join(f"{key.rsplit('/', 1)[-1]} {len(column)}" for key, column in zip(BOX_KEYS, lists))
        _note(facts, "list-lengths", index, offset, _("the box lists differ in length ({lengths})", lengths=lengths))
        return []
    boxes = list(zip(*lists))
    for number, (ymin, xmin, ymax, xmax) in enumerate(boxes):
        where = {"object": number}
        if not all(math.isfinite(v) for v in (ymin, xmin, ymax, xmax)):
            _note(
                facts,
                "box-nan",
                index,
                offset,
                _("box {number} has a NaN or infinite coordinate (the OD API drops it silently)", number=number),
                **where,
            )
        elif max(ymin, xmin, ymax, xmax) > PIXEL_LIMIT or min(ymin, xmin, ymax, xmax) < -0.01:
            _note(
                facts,
                "box-pixels",
                index,
                offset,
                _(
                    "box {number} is ({ymin:g}, {xmin:g}, {ymax:g}, {xmax:g}): coordinates must be fractions of the "
                    "image, 0 to 1",
                    number=number,
                    ymin=ymin,
                    xmin=xmin,
                    ymax=ymax,
                    xmax=xmax,
                ),
                **where,
            )
        elif ymin > ymax or xmin > xmax:
            _note(
                facts,
                "box-inverted",
                index,
                offset,
                _(
                    "box {number} has min > max (y {ymin:g}..{ymax:g}, x {xmin:g}..{xmax:g})",
                    number=number,
                    ymin=ymin,
                    xmin=xmin,
                    ymax=ymax,
                    xmax=xmax,
                ),
                **where,
            )
        elif ymin == ymax or xmin == xmax:
            _note(
                facts,
                "box-empty",
                index,
                offset,
                _(
                    "box {number} has no area (y {ymin:g}..{ymax:g}, x {xmin:g}..{xmax:g})",
                    number=number,
                    ymin=ymin,
                    xmin=xmin,
                    ymax=ymax,
                    xmax=xmax,
                ),
                **where,
            )
        elif len(facts.box_sizes) < _BOX_SAMPLE:
            facts.box_sizes.append([round(xmax - xmin, 5), round(ymax - ymin, 5)])
    return boxes


def _classes(facts, index, offset, values, count: int) -> None:
    texts = [t.decode("utf-8", "replace") for t in values.get("image/object/class/text", [])]
    labels = values.get("image/object/class/label", [])
    columns = [("image/object/class/text", texts), ("image/object/class/label", labels)]
    for key, column in columns + [(key, values.get(key, [])) for key in PER_OBJECT[2:]]:
        if column and len(column) != count:
            _note(
                facts,
                "list-lengths",
                index,
                offset,
                _("{key} has {values} values for {count} boxes", key=key, values=len(column), count=count),
                key=key,
            )
    if texts:
        facts.records_with_text += 1
    elif labels:
        facts.records_with_labels_only += 1
    for text in texts:
        _tally(facts.class_text, text, index)
    for label in labels:
        _tally(facts.class_label, str(label), index)
    for text, label in zip(texts, labels):
        _tally(facts.pairs, f"{text}\t{label}", index)


def _image(facts, index, offset, values, encoded: bytes) -> None:
    import hashlib

    from pipecheck.artifacts.images import inspect_image

    facts.hashes.append(hashlib.blake2b(encoded, digest_size=8).hexdigest())
    if not encoded:
        return
    info = inspect_image(encoded)
    facts.formats[info.format] = facts.formats.get(info.format, 0) + 1
    if not info.complete:
        _note(facts, "image-broken", index, offset, info.problem)
        return
    declared = values.get("image/format", [b"jpeg"])[0].decode("ascii", "replace").lower()
    declared = "jpeg" if declared == "jpg" else declared
    if declared in ("jpeg", "png") and info.format != declared:
        _note(
            facts,
            "image-format",
            index,
            offset,
            _("image/format says {declared} but the bytes are {actual}", declared=declared, actual=info.format),
        )
    facts.image_sizes.append([info.width, info.height])
    _tally(facts.orientations, str(info.orientation), index)
    _tally(facts.channels, f"{info.format}:{info.channels}", index)
    stored = (values.get("image/width", [None])[0], values.get("image/height", [None])[0])
    if None not in stored and stored != (info.width, info.height):
        swapped = stored == (info.height, info.width)
        values = {"width": stored[0], "height": stored[1], "actual_width": info.width, "actual_height": info.height}
        message = (
            _(
                "image/width x image/height is {width}x{height} but the image is {actual_width}x{actual_height} "
                "(swapped: a rotated photo?)",
                **values,
            )
            if swapped
            else _(
                "image/width x image/height is {width}x{height} but the image is {actual_width}x{actual_height}",
                **values,
            )
        )
        _note(facts, "image-size", index, offset, message, swapped=swapped)
