"""The structure-aware fuzz tier (issue 14): configs, label maps, records and checkpoint indexes.

Each test builds damaged but plausible input from the course project's real files with
Hypothesis (a fixed seed: `derandomize`, and a bounded count), lints it in-process and asks
for exit 0, 1 or 2, never 3 (a rule crashed or an unexpected exception). About a minute in all
on the 2-core machine; PIPECHECK_FUZZ_EXAMPLES=N sets the count per test (60) for a longer hunt.
"""

import gzip
import io
import json
import os
import struct
import zlib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from support.projects import CONFIG, NET, copy_example, make_clean  # noqa: E402

from pipecheck.artifacts.crc import masked_crc32c  # noqa: E402

EXAMPLES = int(os.environ.get("PIPECHECK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
LABEL_MAP = "faces_cubes/training/label_map.pbtxt"
TRAIN = "faces_cubes/training/train.record"
INDEX = f"pre-trained/{NET}/checkpoint/ckpt-0.index"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """One clean project for the module; each example writes its damaged file, the next puts it back."""
    root = make_clean(copy_example(tmp_path_factory.mktemp("fuzz") / "tod_tf2"))
    previous = os.getcwd()
    os.chdir(root)
    os.environ["PIPECHECK_NO_CACHE"] = "1"
    yield root
    os.environ.pop("PIPECHECK_NO_CACHE", None)
    os.chdir(previous)


def lint_with(root: Path, name: str, data: bytes) -> tuple[int, str]:
    from pipecheck.cli.main import main

    target = root / name
    kept = target.read_bytes()
    target.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["check", CONFIG, "--format", "json", "--ram", "16GiB"])
    finally:
        target.write_bytes(kept)
    return code, out.getvalue() + err.getvalue()


def assert_no_crash(code: int, output: str) -> None:
    if code == 3:
        try:
            document = json.loads(output)
            reasons = document.get("crashed") or document["summary"]
        except ValueError:
            reasons = output
        pytest.fail(f"exit 3: {reasons}")
    assert code in (0, 1, 2), output[-2000:]


# ------------------------------------------------------------------ configs and label maps

TOKENS = st.sampled_from(
    [
        "{",
        "}",
        "<",
        ">",
        "[",
        "]",
        ":",
        ",",
        ";",
        '"',
        "'",
        "\\",
        "#",
        "-",
        "\n",
        " ",
        "model",
        "item",
        "num_classes",
        "input_path",
        "fine_tune_checkpoint",
        "1e999",
        "-0",
        "0x7fffffffffffffff",
        "nan",
        "inf",
        "true",
        '"\\x',
        "\u201c",
        "\t",
        "\r",
    ]
)


@st.composite
def mutated(draw, text: str):
    """The text with a few edits: spans deleted, duplicated or moved, tokens inserted, nesting added."""
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 200)))
        edit = draw(st.sampled_from(["delete", "duplicate", "insert", "nest", "truncate", "replace"]))
        if edit == "delete":
            text = text[:start] + text[end:]
        elif edit == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        elif edit == "insert":
            text = text[:start] + "".join(draw(st.lists(TOKENS, min_size=1, max_size=8))) + text[start:]
        elif edit == "nest":
            depth = draw(st.integers(1, 300))
            text = text[:start] + "model {" * depth + "}" * draw(st.integers(0, depth)) + text[start:]
        elif edit == "truncate":
            text = text[:start]
        else:
            text = text[:start] + draw(st.text(max_size=20)) + text[end:]
    return text


@FUZZ
@given(data=st.data())
def test_mutated_configs_never_crash(project, data):
    text = data.draw(mutated((project / CONFIG).read_text()))
    assert_no_crash(*lint_with(project, CONFIG, text.encode("utf-8", "surrogatepass")))


NAMES = st.one_of(st.text(max_size=12), st.sampled_from(["one", "two", "<script>", 'a"b', "", "\u0000", "é" * 50]))
IDS = st.one_of(st.integers(-3, 5), st.sampled_from([0, 2**31 - 1, -(2**31), 2**63 - 1]))


@st.composite
def label_maps(draw):
    items = []
    for _ in range(draw(st.integers(0, 6))):
        fields = []
        if draw(st.booleans()):
            fields.append(f"id: {draw(IDS)}")
        if draw(st.booleans()):
            fields.append(f"name: {json.dumps(draw(NAMES))}")
        if draw(st.booleans()):
            fields.append(f"display_name: {json.dumps(draw(NAMES))}")
        items.append("item { " + " ".join(fields) + " }")
    return draw(mutated("\n".join(items))) if draw(st.booleans()) else "\n".join(items)


@FUZZ
@given(text=label_maps())
def test_generated_label_maps_never_crash(project, text):
    assert_no_crash(*lint_with(project, LABEL_MAP, text.encode("utf-8", "surrogatepass")))


# ------------------------------------------------------------------ records

FEATURE_KEYS = st.sampled_from(
    [
        "image/encoded",
        "image/format",
        "image/height",
        "image/width",
        "image/filename",
        "image/object/bbox/xmin",
        "image/object/bbox/xmax",
        "image/object/bbox/ymin",
        "image/object/bbox/ymax",
        "image/object/class/text",
        "image/object/class/label",
        "image/source_id",
        "image/key/sha256",
        "image/object/area",
        "other",
    ]
)
VALUES = st.one_of(
    st.lists(st.binary(max_size=40), max_size=4),
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=6),
    st.lists(st.integers(-(2**63), 2**63 - 1), max_size=4),
)
IMAGE_HEADS = [
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(8),
    b"GIF89a",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x00\x00\x00\x00\x00\x08\x02\x00\x00\x00",
]


@st.composite
def examples(draw):
    from pipecheck.testing.writers import make_example

    features = {draw(FEATURE_KEYS): draw(VALUES) for _ in range(draw(st.integers(0, 8)))}
    if draw(st.booleans()):
        features["image/encoded"] = [draw(st.sampled_from(IMAGE_HEADS)) + draw(st.binary(max_size=64))]
    return make_example(features).SerializeToString()


def frame(payload: bytes, length: int | None = None, good_crc: bool = True) -> bytes:
    head = struct.pack("<Q", len(payload) if length is None else length)
    footer = masked_crc32c(payload) if good_crc else 0
    return head + struct.pack("<I", masked_crc32c(head)) + payload + struct.pack("<I", footer)


@st.composite
def record_files(draw):
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["example", "example", "bytes", "lying-length", "bad-crc", "garbage"]))
        payload = draw(examples()) if kind in ("example", "lying-length", "bad-crc") else draw(st.binary(max_size=64))
        if kind == "lying-length":
            parts.append(frame(payload, draw(st.sampled_from([0, 1, 2**31, 2**34 - 1, 2**63]))))
        elif kind == "garbage":
            parts.append(payload)
        else:
            parts.append(frame(payload, good_crc=kind != "bad-crc"))
    data = b"".join(parts)
    if data and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    wrapping = draw(st.sampled_from(["", "", "GZIP", "ZLIB", "GZIP-cut"]))
    if wrapping == "GZIP":
        data = gzip.compress(data, mtime=0)
    elif wrapping == "ZLIB":
        data = zlib.compress(data)
    elif wrapping == "GZIP-cut":
        data = gzip.compress(data, mtime=0)[: -draw(st.integers(1, 12))]
    return data


@FUZZ
@given(data=record_files())
def test_generated_record_files_never_crash(project, data):
    assert_no_crash(*lint_with(project, TRAIN, data))


# ------------------------------------------------------------------ checkpoint indexes


@st.composite
def indexes(draw, original: bytes):
    from pipecheck.artifacts.sstable import read_table, write_table
    from pipecheck.artifacts.tfproto import message_classes

    kind = draw(st.sampled_from(["header", "entry", "raw", "bytes"]))
    if kind == "bytes":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data[: draw(st.integers(0, len(data)))]) if draw(st.booleans()) else bytes(data)
    classes = message_classes()
    table = read_table(original)
    if kind == "header":
        header = classes["BundleHeaderProto"](
            num_shards=draw(st.integers(-(2**31), 2**31 - 1)), endianness=draw(st.integers(-1, 2))
        )
        table[0] = (b"", header.SerializeToString())
    elif kind == "entry":
        position = draw(st.integers(1, len(table) - 1))
        entry = classes["BundleEntryProto"].FromString(table[position][1])
        entry.shard_id = draw(st.integers(-(2**31), 2**31 - 1))
        entry.offset = draw(st.integers(-(2**63), 2**63 - 1))
        entry.size = draw(st.integers(-(2**63), 2**63 - 1))
        entry.dtype = draw(st.integers(0, 30))
        table[position] = (table[position][0], entry.SerializeToString())
    else:
        position = draw(st.integers(0, len(table) - 1))
        table[position] = (table[position][0], draw(st.binary(max_size=32)))
    buffer = Path(os.environ.get("TMPDIR", "/tmp")) / f"pipecheck-fuzz-{os.getpid()}.index"
    write_table(buffer, table)
    data = buffer.read_bytes()
    buffer.unlink()
    return data


@FUZZ
@given(data=st.data())
def test_damaged_checkpoint_indexes_never_crash(project, data):
    index = data.draw(indexes((project / INDEX).read_bytes()))
    assert_no_crash(*lint_with(project, INDEX, index))
