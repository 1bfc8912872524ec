"""The TF-free readers on files from pipecheck's own writers (the slow tier checks them against TensorFlow)."""

import gzip
import io
import struct
import zlib

import pytest

from pipecheck.artifacts.checkpoint import backbone_family, read_checkpoint
from pipecheck.artifacts.images import inspect_image
from pipecheck.artifacts.records import scan_file
from pipecheck.artifacts.sstable import TableError, read_table, write_table
from pipecheck.artifacts.tfrecord import RecordReader
from pipecheck.report.progress import Progress
from pipecheck.testing.writers import detection_example, frame_record, write_checkpoint, write_tfrecord

PIL = pytest.importorskip("PIL.Image")


def jpeg(width=64, height=48, mode="RGB", exif_orientation=None) -> bytes:
    buffer = io.BytesIO()
    options = {}
    if exif_orientation is not None:
        exif = PIL.Exif()
        exif[0x0112] = exif_orientation
        options["exif"] = exif.tobytes()
    PIL.new(mode, (width, height), "white" if mode != "CMYK" else (0, 0, 0, 0)).save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def png(width=30, height=20, mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    PIL.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def records_file(tmp_path, count=5, name="data.record", **options):
    examples = [
        detection_example(
            jpeg(),
            64,
            48,
            [(0.1, 0.1, 0.5, 0.5)] * (i + 1),
            ["one"] * (i + 1),
            label_ids=[1] * (i + 1),
            filename=f"{i}.jpg",
        )
        for i in range(count)
    ]
    path = tmp_path / name
    write_tfrecord(path, examples, **options)
    return path


def test_records_read_back_with_offsets(tmp_path):
    path = records_file(tmp_path)
    reader = RecordReader(path)
    items = list(reader)
    assert [index for index, _, _ in items] == list(range(5)) and not reader.problems
    sizes = [len(frame_record(payload)) for _, _, payload in items]
    assert reader.offsets == [sum(sizes[:i]) for i in range(5)]


def test_a_damaged_byte_names_its_record_and_reading_goes_on(tmp_path):
    path = records_file(tmp_path)
    reader = RecordReader(path)
    list(reader)
    offsets = reader.offsets
    data = bytearray(path.read_bytes())
    data[offsets[2] + 40] ^= 1
    path.write_bytes(bytes(data))
    damaged = RecordReader(path)
    assert [i for i, _, _ in damaged] == [0, 1, 3, 4]
    assert [(p.kind, p.index, p.offset) for p in damaged.problems] == [("data-crc", 2, offsets[2])]


def test_a_damaged_length_and_a_truncation_end_the_file(tmp_path):
    path = records_file(tmp_path)
    reader = RecordReader(path)
    list(reader)
    data = path.read_bytes()
    path.write_bytes(data[: reader.offsets[3]] + b"\xff" + data[reader.offsets[3] + 1 :])
    broken = RecordReader(path)
    assert len(list(broken)) == 3 and broken.problems[0].kind == "length-crc" and broken.problems[0].index == 3
    path.write_bytes(data[:-7])
    cut = RecordReader(path)
    assert len(list(cut)) == 4 and (cut.problems[0].kind, cut.problems[0].index) == ("truncated", 4)


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_compressed_files_are_named_and_still_read(tmp_path, compression):
    path = records_file(tmp_path, compression=compression)
    reader = RecordReader(path)
    assert len(list(reader)) == 5
    assert reader.compression == compression and reader.problems[0].kind == "compressed"


def test_a_file_that_is_no_tfrecord_fails_at_record_0(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("filename,width,height,class\nimg.jpg,640,480,one\n")
    reader = RecordReader(path)
    assert (
        list(reader) == []
        and reader.problems[0].kind == "length-crc"
        and "not a TFRecord" in reader.problems[0].message
    )


def test_the_scan_keeps_classes_objects_and_images(tmp_path):
    facts = scan_file(records_file(tmp_path))
    assert facts.records == 5 and facts.objects == [1, 2, 3, 4, 5]
    assert facts.class_text == {"one": [15, 0]} and facts.class_label == {"1": [15, 0]}
    assert facts.image_sizes == [[64, 48]] * 5 and facts.formats == {"jpeg": 5}
    assert len(set(facts.hashes)) == 1 and not facts.problems


def test_the_scan_reports_the_decoder_contract(tmp_path):
    example = detection_example(jpeg(), 64, 48, [(0.1, 0.1, 0.5, 0.5)], ["one", "two"])
    example.features.feature["image/height"].Clear()
    example.features.feature["image/height"].float_list.value.append(48.0)
    del example.features.feature["image/encoded"]
    path = tmp_path / "bad.record"
    write_tfrecord(path, [example, b"not a proto \xff\xff"])
    kinds = {p["kind"] for p in scan_file(path).problems}
    assert kinds == {"wrong-type", "missing-key", "list-lengths", "not-an-example"}


@pytest.mark.parametrize(
    "box, kind",
    [
        ((0.5, 0.1, 0.2, 0.4), "box-inverted"),
        ((10, 20, 300, 400), "box-pixels"),
        ((float("nan"), 0.1, 0.2, 0.3), "box-nan"),
        ((0.2, 0.1, 0.2, 0.3), "box-empty"),
    ],
)
def test_bad_boxes_are_named(tmp_path, box, kind):
    path = tmp_path / "boxes.record"
    write_tfrecord(path, [detection_example(jpeg(), 64, 48, [box], ["one"])])
    assert [p["kind"] for p in scan_file(path).problems] == [kind]


def test_images_are_inspected_from_their_headers():
    assert (inspect_image(jpeg(64, 48)).width, inspect_image(jpeg(64, 48)).height) == (64, 48)
    assert inspect_image(jpeg(exif_orientation=6)).orientation == 6
    assert inspect_image(jpeg(mode="CMYK")).channels == 4
    assert inspect_image(jpeg(mode="L")).channels == 1
    info = inspect_image(png())
    assert (info.format, info.width, info.height, info.channels) == ("png", 30, 20, 4)
    assert not inspect_image(jpeg()[:200]).complete and not inspect_image(png()[:-12]).complete
    assert inspect_image(b"GIF89a\x10\x00\x08\x00").format == "gif"
    assert not inspect_image(b"").complete


def test_an_sstable_round_trips_across_many_blocks(tmp_path):
    items = [(f"key/{i:05d}".encode(), bytes([i % 256]) * 300) for i in range(3000)]
    path = tmp_path / "table.index"
    write_table(path, items)
    assert read_table(path.read_bytes()) == items
    damaged = bytearray(path.read_bytes())
    damaged[100] ^= 1
    with pytest.raises(TableError, match="checksum"):
        read_table(bytes(damaged))
    with pytest.raises(TableError, match="magic"):
        read_table(b"\0" * 64)


def floats(*shape):
    count = 1
    for size in shape:
        count *= size
    return "float32", list(shape), struct.pack(f"<{count}f", *range(count))


def test_a_checkpoint_reads_back_with_names_shapes_and_shards(tmp_path):
    tensors = {
        f"model/_feature_extractor/layer_with_weights-{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE": floats(3, 3, 4, 1)
        for i in range(6)
    }
    tensors["model/_box_predictor/kernel/.ATTRIBUTES/VARIABLE_VALUE"] = floats(2, 5)
    write_checkpoint(tmp_path / "ckpt-0", tensors, object_graph=b"\x0a\x00graph", shards=3)
    facts = read_checkpoint(tmp_path / "ckpt-0")
    assert facts.problems == [] and facts.num_shards == 3 and facts.object_based
    assert {e["name"]: e["shape"] for e in facts.entries if e["dtype"] == "float32"} == {
        name: shape for name, (_, shape, _) in tensors.items()
    }
    assert (facts.kind, facts.meta_architecture, backbone_family(facts)) == ("detection", "ssd", "mobilenet")


def test_a_checkpoint_with_a_missing_short_or_damaged_shard_says_so(tmp_path):
    tensors = {f"v{i}/.ATTRIBUTES/VARIABLE_VALUE": floats(64) for i in range(4)}
    files = write_checkpoint(tmp_path / "ckpt-0", tensors, shards=2)
    data = files[1].read_bytes()
    files[1].write_bytes(data[:10] + bytes([data[10] ^ 1]) + data[11:])
    files[2].unlink()
    kinds = [p["kind"] for p in read_checkpoint(tmp_path / "ckpt-0").problems]
    assert kinds == ["tensor-crc", "shard-missing"]
    files[1].write_bytes(data[:-1])
    assert "shard-short" in [p["kind"] for p in read_checkpoint(tmp_path / "ckpt-0").problems]


def test_a_tf1_checkpoint_is_not_object_based(tmp_path):
    write_checkpoint(tmp_path / "model.ckpt", {"conv1/weights": floats(7, 7, 3, 64)}, object_graph=None)
    facts = read_checkpoint(tmp_path / "model.ckpt")
    assert not facts.object_based and facts.kind == "tf1" and backbone_family(facts) == "resnet"


def test_the_progress_bar_waits_a_second_then_draws(monkeypatch):
    monkeypatch.setenv("PIPECHECK_PROGRESS", "always")
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(100, "reading records", stream=stream, clock=lambda: now[0])
    progress.update(10)
    assert stream.getvalue() == ""
    now[0] = 1.5
    progress.update(40)
    assert "reading records [###############" in stream.getvalue() and "50%" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\r")


def test_no_progress_bar_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("PIPECHECK_PROGRESS", raising=False)
    now = [5.0]
    stream = io.StringIO()
    progress = Progress(10, "reading", stream=stream, clock=lambda: now[0])
    now[0] = 10.0
    progress.update(5)
    assert stream.getvalue() == ""


def test_gzip_and_zlib_helpers_are_what_tensorflow_writes():
    # TFRecordOptions GZIP is a gzip member, ZLIB a zlib stream; both start unlike a record header
    assert gzip.compress(b"x")[:2] == b"\x1f\x8b" and zlib.compress(b"x")[:1] == b"\x78"
