"""One streaming pass over a TFRecord file of tf.train.Examples, against the OD API decoder's contract.

The pass keeps statistics and the records' positions, not the images; rules turn the facts
into findings. The contract is TfExampleDecoder's keys_to_features (data_decoders/
tf_example_decoder.py): fixed-length keys hold exactly one value, every key has its type, the
per-object lists run parallel to the boxes.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipecheck.artifacts.record_examples import _KEPT_PER_KIND, FileRecords, _note, _pad, _scan_example
from pipecheck.artifacts.records_split import SPLIT_FROM, scan_split
from pipecheck.i18n import _

__all__ = ["FileRecords", "scan_file", "_KEPT_PER_KIND"]


def scan_file(path: Path, on_bytes=None, workers: int | None = None) -> FileRecords:
    """Read every record of a file once; never raises: an unreadable file is a problem of kind "unreadable".

    A file of SPLIT_FROM bytes or more is read by `workers` processes (default: one per core), with the
    same facts (artifacts/records_split.py).
    """
    from pipecheck.artifacts.tfproto import message_classes
    from pipecheck.artifacts.tfrecord import RecordReader
    from pipecheck.guarded import file_size

    path = Path(path)
    split = _split(path, os.cpu_count() or 1 if workers is None else workers)
    if split is not None:
        if on_bytes is not None:
            on_bytes(split.size)
        return split
    facts = FileRecords(str(path))
    reader = RecordReader(path, on_bytes=on_bytes)
    example_class = message_classes()["Example"]
    try:
        facts.size = file_size(path)
        for index, offset, payload in reader:
            _pad(facts, index)  # records skipped for a damaged checksum count as empty
            _scan_example(facts, index, offset, payload, example_class)
    except OSError as error:  # gone, a folder, unreadable: guarded.ArtifactError says which
        _note(
            facts,
            "unreadable",
            len(reader.offsets),
            -1,
            _("cannot be read: {problem}", problem=getattr(error, "strerror", None) or error),
        )
    for problem in reader.problems:
        _note(facts, problem.kind, problem.index, problem.offset, problem.message)
    facts.compression = reader.compression
    facts.offsets = reader.offsets
    _pad(facts, len(facts.offsets))
    return facts


def _split(path: Path, workers: int) -> FileRecords | None:

    try:
        large = os.path.getsize(path) >= SPLIT_FROM
    except OSError:
        return None
    return scan_split(path, workers) if workers > 1 and large else None
