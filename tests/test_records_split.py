"""The record pass on every core (issue 23): the same facts, and so the same findings, as one pass."""

import io
import json

import pytest
from support.cli import lint_json

from pipecheck.artifacts.records import scan_file
from pipecheck.artifacts.records_split import scan_split
from pipecheck.testing.writers import detection_example, frame_record

TRAIN = "faces_cubes/training/train.record"


def damaged_records(count: int) -> bytes:
    """`count` records with something wrong every few: classes, boxes, a non-Example, a bad data checksum."""
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 30, 160)).save(image, "JPEG")
    out = bytearray()
    for index in range(count):
        boxes = [(0.1, 0.1, 0.5, 0.5)]
        if index % 7 == 3:
            boxes = [(0.1, 0.1, 5.0, 50.0)]  # in pixels
        if index % 11 == 5:
            boxes = [(0.6, 0.1, 0.5, 0.5)]  # inverted
        classes = [f"class{index % 5}"] if index % 13 else ["\u00e9t\u00e9"]
        payload = detection_example(image.getvalue(), 64, 48, boxes, classes).SerializeToString()
        if index % 17 == 9:
            payload = b"not an example at all"
        record = bytearray(frame_record(payload))
        if index % 19 == 12:
            record[-1] ^= 0xFF  # the data checksum no longer matches
        out += record
    return bytes(out)


@pytest.mark.parametrize("workers", [2, 3])
def test_the_split_pass_finds_exactly_what_one_pass_finds(tmp_path, workers):
    path = tmp_path / "train.record"
    path.write_bytes(damaged_records(400))
    one = scan_file(path, workers=1).as_json()
    split = scan_split(path, workers)
    assert split is not None
    assert json.dumps(split.as_json(), sort_keys=False) == json.dumps(one, sort_keys=False)
    assert one["problem_counts"]["data-crc"] > 1 and one["problem_counts"]["box-pixels"] > _kept()


def _kept() -> int:
    from pipecheck.artifacts.records import _KEPT_PER_KIND

    return _KEPT_PER_KIND


def test_a_damaged_framing_is_left_to_the_one_pass(tmp_path):
    path = tmp_path / "train.record"
    data = damaged_records(40)
    path.write_bytes(data[: len(data) - 30])  # truncated: only the sequential pass says where
    assert scan_split(path, 2) is None


def test_a_lint_over_a_split_file_gives_the_same_findings(clean_project, monkeypatch):
    import pipecheck.artifacts.records_split as split

    record = clean_project / TRAIN
    record.write_bytes(record.read_bytes() * 8 + damaged_records(60))
    monkeypatch.setenv("PIPECHECK_NO_CACHE", "1")
    monkeypatch.setattr(split, "SPLIT_FROM", 1 << 62)
    _code, one = lint_json()
    monkeypatch.setattr(split, "SPLIT_FROM", 1)
    _code, two = lint_json()
    strip = lambda report: [(f["rule"], f["message"], f["line"]) for f in report["findings"]]  # noqa: E731
    assert strip(one) == strip(two) and [f for f in strip(one) if f[0].startswith("PC7")]
