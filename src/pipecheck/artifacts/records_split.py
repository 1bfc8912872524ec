"""The record pass of a large file on every core: the file cut at record boundaries, one process a part.

A first pass reads only the 12-byte headers (length and its checksum), seeking over the payloads,
to find where each record starts; a file whose framing is not sound from end to end (damaged,
truncated, compressed) is left to the one sequential pass, which reports exactly where it breaks.
Each process then checks its records as scan_file does (data checksums, the tf.train.Example
contract, boxes, images) and the parts' facts are put together in record order, so the facts,
and the findings made from them, are the ones the sequential pass gives.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from pipecheck.artifacts.record_examples import _BOX_SAMPLE, _KEPT_PER_KIND, FileRecords, _pad, _scan_example

SPLIT_FROM = 64 << 20  # below this, starting the processes costs more than the second core gives
_HEADER = struct.Struct("<QI")


def frame_offsets(path: Path, limit: int) -> list[int] | None:
    """Where each record starts, from the headers alone; None when the framing is not sound throughout."""
    from pipecheck.artifacts.crc import masked_crc32c
    from pipecheck.artifacts.tfrecord import MAX_RECORD, sniff_compression
    from pipecheck.guarded import open_regular

    offsets = []
    with open_regular(path) as raw:
        size = os.fstat(raw.fileno()).st_size
        offset = 0
        while offset < size:
            header = raw.read(12)
            if len(header) < 12 or (offset == 0 and sniff_compression(header) is not None):
                return None
            length, length_crc = _HEADER.unpack(header)
            if masked_crc32c(header[:8]) != length_crc or length > min(MAX_RECORD, limit):
                return None
            if offset + 16 + length > size:
                return None
            offsets.append(offset)
            offset += 16 + length
            raw.seek(offset)
    return offsets


def _part(path: str, offset: int, start: int, stop: int) -> tuple[dict, list[dict]]:
    """The facts of records start..stop-1 (lists padded from 0 so indexes stay the file's), and framing problems."""
    from pipecheck.artifacts.tfproto import message_classes
    from pipecheck.artifacts.tfrecord import RecordReader

    facts = FileRecords(path)
    _pad(facts, start)
    reader = RecordReader(Path(path))
    example_class = message_classes()["Example"]
    for index, record_offset, payload in reader.segment(offset, start, stop):
        _pad(facts, index)
        _scan_example(facts, index, record_offset, payload, example_class)
    _pad(facts, stop)
    framing = [{"kind": p.kind, "index": p.index, "offset": p.offset, "message": p.message} for p in reader.problems]
    return facts.as_json(), framing


def scan_split(path: Path, workers: int) -> FileRecords | None:
    """scan_file's facts computed by `workers` processes; None when the file is better read in one pass."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from pipecheck.artifacts.tfrecord import RECORD_LIMIT

    try:
        offsets = frame_offsets(path, RECORD_LIMIT)
        context = multiprocessing.get_context("fork")
    except (OSError, ValueError):
        return None
    if not offsets or len(offsets) < workers:
        return None
    size = os.path.getsize(path)
    bounds = [0]
    for part in range(1, workers):  # cut where the bytes, not the record counts, are shared evenly
        target = size * part // workers
        bounds.append(max(bounds[-1] + 1, next((i for i, o in enumerate(offsets) if o >= target), len(offsets))))
    bounds.append(len(offsets))
    jobs = [(str(path), offsets[a], a, b) for a, b in zip(bounds, bounds[1:]) if a < b]
    try:
        with ProcessPoolExecutor(max_workers=len(jobs), mp_context=context) as pool:
            parts = list(pool.map(_part, *zip(*jobs)))
    except (OSError, BrokenProcessPool):  # a file gone meanwhile, a process killed: the one pass says what
        return None
    facts = merge([(FileRecords.from_json(data), start) for (data, _framing), (_p, _o, start, _s) in zip(parts, jobs)])
    framing = [problem for _data, problems in parts for problem in problems]
    for problem in framing:
        _count(facts, problem)
    facts.size, facts.compression, facts.offsets = size, None, offsets
    return facts


def merge(parts: list[tuple[FileRecords, int]]) -> FileRecords:
    """The facts of consecutive parts (each with the index its records start at) as one pass would find them."""
    whole = FileRecords(parts[0][0].path)
    for facts, start in parts:
        whole.objects += facts.objects[start:]
        whole.hashes += facts.hashes[start:]
        whole.payload_bytes += facts.payload_bytes
        whole.records_with_text += facts.records_with_text
        whole.records_with_labels_only += facts.records_with_labels_only
        whole.image_sizes += facts.image_sizes
        whole.box_sizes += facts.box_sizes[: max(0, _BOX_SAMPLE - len(whole.box_sizes))]
        for kind, count in facts.formats.items():
            whole.formats[kind] = whole.formats.get(kind, 0) + count
        for name in ("class_text", "class_label", "pairs", "orientations", "channels"):
            table = getattr(whole, name)
            for key, (count, first) in getattr(facts, name).items():
                if key in table:
                    table[key][0] += count  # the earlier part saw it first
                else:
                    table[key] = [count, first]
        for problem in facts.problems:
            _count(whole, problem, facts.problem_counts)
        for kind, count in facts.problem_counts.items():
            whole.problem_counts[kind] = whole.problem_counts.get(kind, 0) + count
    return whole


def _count(facts: FileRecords, problem: dict, counted: dict | None = None) -> None:
    """Keep `problem` if fewer than _KEPT_PER_KIND of its kind are kept; count it unless `counted` did."""
    kind = problem["kind"]
    if counted is None:
        facts.problem_counts[kind] = facts.problem_counts.get(kind, 0) + 1
    if sum(p["kind"] == kind for p in facts.problems) < _KEPT_PER_KIND:
        facts.problems.append(problem)
