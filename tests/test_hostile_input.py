"""Hostile and damaged input (issue 14): bounded memory and time, exit 1 with a finding or 2, never 3.

The memory bombs run the CLI in a subprocess under an address-space limit (RLIMIT_AS): what a
header claims must never be allocated. The others lint in-process and look at the JSON.
"""

import json
import os
import resource
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG, NET

from pipecheck.artifacts.crc import masked_crc32c

LABEL_MAP = "faces_cubes/training/label_map.pbtxt"
TRAIN = "faces_cubes/training/train.record"
CHECKPOINT = f"pre-trained/{NET}/checkpoint"
ADDRESS_SPACE = 768 << 20  # a cold lint of the example needs under 300 MiB of address space
PIPECHECK = [sys.executable, "-c", "import sys; from pipecheck.cli.main import main; sys.exit(main())"]


def capped(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    return subprocess.run(
        [*PIPECHECK, *args],
        cwd=root,
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PIPECHECK_NO_CACHE": "1"},
    )


def outcomes(report: dict) -> dict:
    return report["summary"]


def rules_found(report: dict) -> set[str]:
    return {finding["rule"] for finding in report["findings"]}


def header(length: int) -> bytes:
    head = struct.pack("<Q", length)
    return head + struct.pack("<I", masked_crc32c(head))


def set_config(root: Path, old: str, new: str) -> None:
    config = root / CONFIG
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))


# ------------------------------------------------------------------ memory and time without bound


def test_a_label_map_id_of_2_to_the_31_is_reported_without_building_every_id(clean_project):
    (clean_project / LABEL_MAP).write_text("item { id: 1 name: 'one' }\nitem { id: 2147483647 name: 'two' }\n")
    result = capped(clean_project, CONFIG, "--format", "json", "--ram", "16GiB")
    report = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert report["summary"]["crashed"] == 0
    pc101 = next(f for f in report["findings"] if f["rule"] == "PC101")  # it names the gap, so PC104 stays quiet
    assert "ids 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ... have no item" in pc101["message"]


def test_an_index_announcing_2_to_the_31_shards_is_read_in_bounded_time(clean_project):
    from pipecheck.artifacts.sstable import read_table, write_table
    from pipecheck.artifacts.tfproto import message_classes

    index = clean_project / CHECKPOINT / "ckpt-0.index"
    table = read_table(index.read_bytes())
    header_class = message_classes()["BundleHeaderProto"]
    table[0] = (b"", header_class(num_shards=2147483647).SerializeToString())
    write_table(index, table)
    result = capped(clean_project, CONFIG, "--format", "json", "--ram", "16GiB", timeout=60)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["summary"]["crashed"] == 0
    assert any("2147483647" in f["message"] for f in report["findings"] if f["rule"] == "PC310")


@pytest.mark.parametrize("length", [1 << 31, 1 << 33, (1 << 34) - 1])
def test_a_record_header_claiming_gigabytes_is_checked_against_the_file_size(clean_project, length):
    (clean_project / TRAIN).write_bytes(header(length) + b"\0" * 200)
    result = capped(clean_project, CONFIG, "--format", "json", "--ram", "16GiB")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["summary"]["crashed"] == 0, result.stderr
    assert any("truncated record" in f["message"] for f in report["findings"] if f["rule"] == "PC701")


@pytest.mark.parametrize("kind", ["GZIP", "ZLIB"])
def test_a_compressed_file_holding_one_gigabyte_record_is_streamed(clean_project, kind):
    size = 1 << 30
    compressor = zlib.compressobj(1, wbits=31 if kind == "GZIP" else 15)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(header(size))]
    parts += [compressor.compress(zeros) for _ in range(size >> 20)]
    parts.append(compressor.compress(b"\0\0\0\0") + compressor.flush())
    (clean_project / TRAIN).write_bytes(b"".join(parts))
    result = capped(clean_project, CONFIG, "--format", "json", "--ram", "16GiB", timeout=120)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["summary"]["crashed"] == 0, result.stderr
    messages = [f["message"] for f in report["findings"] if f["rule"] == "PC701"]
    assert any("more than pipecheck decodes" in m for m in messages), messages


def test_a_config_that_is_a_fifo_is_refused_at_once(clean_project):
    config = clean_project / CONFIG
    config.unlink()
    os.mkfifo(config)
    result = capped(clean_project, CONFIG, timeout=30)
    assert result.returncode == 2 and "named pipe" in result.stderr and "Traceback" not in result.stderr


def test_a_config_linked_to_dev_zero_is_refused_without_reading_it(clean_project):
    config = clean_project / CONFIG
    config.unlink()
    config.symlink_to("/dev/zero")
    result = capped(clean_project, CONFIG, timeout=30)
    assert result.returncode == 2 and "device" in result.stderr


def test_a_config_larger_than_the_declared_limit_is_refused(clean_project, capsys):
    config = clean_project / CONFIG
    with open(config, "a") as stream:
        stream.write("# " + "x" * (9 << 20) + "\n")
    code, _out = run_cli(CONFIG)
    assert code == 2 and "more than pipecheck reads (8 MiB)" in capsys.readouterr().err


def test_a_20_mb_input_path_is_refused_quickly(clean_project):
    set_config(clean_project, f'input_path: "{TRAIN}"', 'input_path: "' + "a" * (20 << 20) + '"')
    result = capped(clean_project, CONFIG, timeout=30)
    assert result.returncode == 2 and "more than pipecheck reads" in result.stderr


# ------------------------------------------------------------------ exit 3 for bad input


def test_400_nested_braces_in_the_config_are_a_syntax_error(clean_project):
    with open(clean_project / CONFIG, "a") as stream:
        stream.write("model {" * 400 + "}" * 400)
    code, report = lint_json()
    assert code == 2 and report["findings"][0]["rule"] == "PC001"
    assert "blocks inside one another" in report["findings"][0]["message"]


def test_a_thousand_nested_items_in_a_label_map_are_a_finding(clean_project):
    (clean_project / LABEL_MAP).write_text("item {" * 1000 + "}" * 1000)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0 and "PC106" in rules_found(report)


@pytest.mark.parametrize("field", ["input_path", "label_map_path", "fine_tune_checkpoint"])
def test_a_path_component_over_255_bytes_is_a_finding(clean_project, field):
    long_name = "x" * 300
    if field == "input_path":
        set_config(clean_project, f'input_path: "{TRAIN}"', f'input_path: "faces_cubes/{long_name}.record"')
    elif field == "label_map_path":
        set_config(clean_project, f'label_map_path: "{LABEL_MAP}"', f'label_map_path: "faces_cubes/{long_name}"')
    else:
        set_config(
            clean_project,
            f'fine_tune_checkpoint: "{CHECKPOINT}/ckpt-0"',
            f'fine_tune_checkpoint: "{CHECKPOINT}/{long_name}"',
        )
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0, report["summary"]
    assert report["findings"]


def test_an_index_whose_header_does_not_decode_is_a_finding(clean_project):
    from pipecheck.artifacts.sstable import read_table, write_table

    index = clean_project / CHECKPOINT / "ckpt-0.index"
    table = read_table(index.read_bytes())
    table[0] = (b"", b"\xff\xff\xff")
    write_table(index, table)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0
    assert any("does not decode" in f["message"] for f in report["findings"] if f["rule"] == "PC310")


def test_an_entry_that_does_not_decode_is_a_finding(clean_project):
    from pipecheck.artifacts.sstable import read_table, write_table

    index = clean_project / CHECKPOINT / "ckpt-0.index"
    table = read_table(index.read_bytes())
    table[1] = (table[1][0], b"\x0a\xff")
    write_table(index, table)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0 and "PC310" in rules_found(report)


def test_a_data_shard_that_is_a_folder_is_a_finding(clean_project):
    shard = clean_project / CHECKPOINT / "ckpt-0.data-00000-of-00001"
    shard.unlink()
    shard.mkdir()
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0 and "PC310" in rules_found(report)


def test_an_index_that_links_to_itself_is_a_finding(clean_project):
    index = clean_project / CHECKPOINT / "ckpt-0.index"
    index.unlink()
    index.symlink_to(index.name)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0
    assert any("leads to itself" in f["message"] for f in report["findings"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file")
@pytest.mark.parametrize("name", [TRAIN, f"{CHECKPOINT}/ckpt-0.index"])
def test_an_unreadable_record_or_index_is_a_finding(clean_project, name):
    (clean_project / name).chmod(0)
    try:
        code, report = lint_json()
    finally:
        (clean_project / name).chmod(0o644)
    assert code == 1 and report["summary"]["crashed"] == 0
    assert any("permission denied" in f["message"] for f in report["findings"])


def test_a_record_vanishing_between_listing_and_reading_is_a_finding(clean_project, monkeypatch):
    from pipecheck.artifacts import records

    scan = records.scan_file

    def vanish_first(path, on_bytes=None):
        Path(path).unlink(missing_ok=True)
        return scan(path, on_bytes)

    monkeypatch.setattr(records, "scan_file", vanish_first)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0
    assert any("vanished" in f["message"] for f in report["findings"] if f["rule"] == "PC701")


# ------------------------------------------------------------------ missed silently


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_label_map_path_that_is_not_a_file_is_an_error(clean_project, kind):
    label_map = clean_project / LABEL_MAP
    label_map.unlink()
    label_map.mkdir() if kind == "folder" else os.mkfifo(label_map)
    code, report = lint_json()
    assert code == 1 and "PC106" in rules_found(report)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_an_input_path_that_is_not_a_file_is_an_error(clean_project, kind):
    record = clean_project / TRAIN
    record.unlink()
    record.mkdir() if kind == "folder" else os.mkfifo(record)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0
    assert any("not a file" in f["message"] for f in report["findings"] if f["rule"] == "PC701")


def test_an_index_that_is_a_folder_is_an_error(clean_project):
    index = clean_project / CHECKPOINT / "ckpt-0.index"
    index.unlink()
    index.mkdir()
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0 and "PC310" in rules_found(report)


def test_negative_num_shards_and_a_tensor_in_a_shard_that_does_not_exist_are_errors(clean_project):
    from pipecheck.artifacts.sstable import read_table, write_table
    from pipecheck.artifacts.tfproto import message_classes

    index = clean_project / CHECKPOINT / "ckpt-0.index"
    original = index.read_bytes()
    classes = message_classes()
    table = read_table(original)
    table[0] = (b"", classes["BundleHeaderProto"](num_shards=-5).SerializeToString())
    write_table(index, table)
    code, report = lint_json()
    assert code == 1 and any("num_shards -5" in f["message"] for f in report["findings"])

    table = read_table(original)
    entry = classes["BundleEntryProto"].FromString(table[1][1])
    entry.shard_id = 3
    table[1] = (table[1][0], entry.SerializeToString())
    write_table(index, table)
    code, report = lint_json()
    assert code == 1 and any("shard 3, which does not exist" in f["message"] for f in report["findings"])


def test_a_byte_flipped_with_its_mtime_restored_is_read_again(clean_project):
    code, report = lint_json()
    assert code == 0
    record = clean_project / TRAIN
    stat = record.stat()
    data = bytearray(record.read_bytes())
    data[len(data) // 2] ^= 0xFF
    record.write_bytes(bytes(data))
    os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, report = lint_json()
    assert code == 1 and "PC701" in rules_found(report)


def test_a_damaged_cache_entry_is_ignored_and_replaced(clean_project):
    from pipecheck import cache

    assert lint_json()[0] == 0
    entries = [p for p in cache.cache_dir().rglob("*") if p.is_file()]
    assert entries
    for entry in entries:
        entry.write_bytes(b"\x00garbage" * 3)
    assert lint_json()[0] == 0
    assert lint_json()[0] == 0


def test_lints_under_rename_races_never_crash(clean_project):
    """Files vanish and come back while the project is linted: every lint ends 0, 1 or 2."""
    import threading

    names = [TRAIN, LABEL_MAP, f"{CHECKPOINT}/ckpt-0.index", f"{CHECKPOINT}/ckpt-0.data-00000-of-00001"]
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            for name in names:
                path = clean_project / name
                path.rename(path.with_name(path.name + ".away"))
                path.with_name(path.name + ".away").rename(path)

    flipper = threading.Thread(target=flip)
    flipper.start()
    codes = []
    try:
        for _ in range(25):
            code, out = run_cli("check", CONFIG, "--format", "json", "--ram", "16GiB")
            codes.append(code)
            assert code in (0, 1, 2), json.loads(out).get("crashed") if out else code
    finally:
        stop.set()
        flipper.join()
    assert codes
