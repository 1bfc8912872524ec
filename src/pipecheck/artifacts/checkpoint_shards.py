"""A TF checkpoint's data shards (`.data-NNNNN-of-NNNNN`): there, long enough, their tensors' checksums
right, and the scalar string tensors (the object graph) read, without TensorFlow. checkpoint.py
reads the index and calls these.
"""

from __future__ import annotations

import struct
from pathlib import Path

from pipecheck.i18n import _


def _string_tensor_parts(raw: bytes) -> tuple[int, int] | None:
    """Where a scalar string tensor's 4-byte checksum starts, and the string's length (WriteStringTensor:
    varint length, length checksum, the bytes); None for several strings or another layout."""
    length, position, shift = 0, 0, 0
    while position < len(raw):
        byte = raw[position]
        length |= (byte & 0x7F) << shift
        position += 1
        if not byte & 0x80:
            break
        shift += 7
    if position + 4 + length != len(raw) or length > 0xFFFFFFFF:
        return None
    return position, length


def string_tensor_value(raw: bytes) -> bytes | None:
    """A scalar string tensor's bytes."""
    parts = _string_tensor_parts(raw)
    return raw[parts[0] + 4 :] if parts is not None else None


def data_file(prefix: Path, shard: int, shards: int) -> Path:
    return Path(f"{prefix}.data-{shard:05d}-of-{shards:05d}")


def check_shards(facts, prefix: Path, verify_data: bool) -> None:
    """Shards are looked at through the entries and the files that exist, never by counting to num_shards.

    Problems go to `facts.problems` (a CheckpointFacts); the data is read only with `verify_data`.
    """
    shards = facts.num_shards
    by_shard = _entries_by_shard(facts)
    present = _present_shards(prefix, shards)
    for shard, entries in sorted(by_shard.items()):
        _check_shard(facts, data_file(prefix, shard, shards), entries, shard in present, verify_data)
    empty_missing = shards - len(present) - sum(1 for shard in by_shard if shard not in present)
    if empty_missing > 0:
        facts.problems.append(
            {
                "kind": "shard-missing",
                "message": _(
                    "{count} of the {shards} data files the header announces are missing ({prefix}.data-NNNNN-of-{total})",
                    count=empty_missing,
                    shards=shards,
                    prefix=prefix.name,
                    total=f"{shards:05d}",
                ),
            }
        )


def _entries_by_shard(facts) -> dict[int, list[dict]]:
    """The index's entries by the shard they live in; an entry with impossible numbers is a problem instead."""
    shards = facts.num_shards
    by_shard: dict[int, list[dict]] = {}
    for entry in facts.entries:
        if entry["offset"] < 0 or entry["size"] < 0:
            facts.problems.append(
                {
                    "kind": "entry",
                    "message": _(
                        "{name}: the index gives a negative offset ({offset}) or size ({size}): it is damaged",
                        name=entry["name"],
                        offset=entry["offset"],
                        size=entry["size"],
                    ),
                }
            )
            continue
        if not 0 <= entry["shard"] < shards:
            facts.problems.append(
                {
                    "kind": "shard-missing",
                    "message": _(
                        "{name} lives in shard {shard}, which does not exist (num_shards is {count})",
                        name=entry["name"],
                        shard=entry["shard"],
                        count=shards,
                    ),
                }
            )
            continue
        by_shard.setdefault(entry["shard"], []).append(entry)
    return by_shard


def _check_shard(facts, path: Path, entries: list[dict], present: bool, verify_data: bool) -> None:
    """One data file: there, long enough for its tensors, and (verify_data) their checksums right."""
    from pipecheck.guarded import file_size

    needed = max((e["offset"] + e["size"] for e in entries), default=0)
    if not present:
        facts.problems.append(
            {
                "kind": "shard-missing",
                "message": _("{file} is missing ({count} tensors live in it)", file=path.name, count=len(entries)),
            }
        )
        return
    try:
        size = file_size(path)
        if size < needed:
            facts.problems.append(
                {
                    "kind": "shard-short",
                    "message": _(
                        "{file} has {size} bytes but its tensors need {needed}: the file was cut short",
                        file=path.name,
                        size=size,
                        needed=needed,
                    ),
                }
            )
        elif verify_data and entries:
            _verify_tensors(facts, path, entries)
    except OSError as error:
        facts.problems.append(
            {"kind": "shard-missing", "message": _("{file}: {error}", file=path.name, error=error.strerror or error)}
        )


def _present_shards(prefix: Path, shards: int) -> set[int]:
    """The shard numbers whose data file exists, from the folder's listing (bounded by what is on disk)."""
    import os

    start, end = f"{prefix.name}.data-", f"-of-{shards:05d}"
    try:
        names = os.listdir(prefix.parent)
    except OSError:
        return set()
    present = set()
    for name in names:
        middle = name[len(start) : -len(end)] if name.startswith(start) and name.endswith(end) else ""
        if middle.isdigit() and int(middle) < shards:
            present.add(int(middle))
    return present


def _verify_tensors(facts, path: Path, entries: list[dict]) -> None:
    from pipecheck.artifacts.crc import crc32c, mask
    from pipecheck.guarded import RECORD_LIMIT, open_regular

    with open_regular(path) as data:
        for entry in sorted(entries, key=lambda e: e["offset"]):
            if entry["size"] > RECORD_LIMIT:
                continue  # too large to hold: its size was checked against the file's, not its checksum
            data.seek(entry["offset"])
            raw = data.read(entry["size"])
            expected = entry["crc32c"]
            actual = _string_tensor_crc(raw) if entry["dtype"] == "string" else mask(crc32c(raw))
            if actual is not None and actual != expected:
                facts.problems.append(
                    {
                        "kind": "tensor-crc",
                        "message": _(
                            "{name} in {file} at byte {offset}: checksum mismatch",
                            name=entry["name"],
                            file=path.name,
                            offset=entry["offset"],
                        ),
                    }
                )
                if sum(p["kind"] == "tensor-crc" for p in facts.problems) >= 5:
                    return


def _string_tensor_crc(raw: bytes) -> int | None:
    """A scalar string tensor's checksum (WriteStringTensor): uint32 length, length CRC, bytes."""
    parts = _string_tensor_parts(raw)
    if parts is None:
        return None  # several strings, or a layout this reader does not check: no verdict
    from pipecheck.artifacts.crc import crc32c, mask

    position, length = parts
    checksum = crc32c(struct.pack("<I", length))
    checksum = crc32c(raw[position : position + 4], checksum)
    return mask(crc32c(raw[position + 4 :], checksum))
