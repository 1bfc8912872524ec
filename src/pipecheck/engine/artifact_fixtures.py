"""Fixtures over the big artifacts: the input readers' records and the fine-tune checkpoint.

Each file is read in one streaming pass, and what the pass found is cached by content, so a
second lint of an unchanged project reads nothing again.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.engine.registry import cannot_decide, fixture
from pipecheck.i18n import _
from pipecheck.project import is_remote

RECORDS_NAMESPACE = "records-ids"  # renamed when the facts gained source ids and mask kinds: older entries lack them


@dataclass
class ReaderRecords:
    """The record files one input reader names, each with what its pass found."""

    reader: str  # field path: train_input_reader, eval_input_reader[0]
    files: list = field(default_factory=list)  # FileRecords
    sources: list[int] = field(default_factory=list)  # per file, the input_path entry that named it

    def input_field(self, position: int) -> str:
        return f"{self.reader}.tf_record_input_reader.input_path[{self.sources[position]}]"

    def located(self):
        """(file facts, config field of the input_path that named it)."""
        return [(facts, self.input_field(i)) for i, facts in enumerate(self.files)]

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def class_boxes(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for facts in self.files:
            for text, (boxes, _first) in facts.class_text.items():
                totals[text] = totals.get(text, 0) + boxes
        return totals


@dataclass
class Records:
    readers: dict[str, ReaderRecords]
    scanned: int = 0  # files actually read in this run (the others came from the cache)

    @property
    def train(self) -> ReaderRecords | None:
        """The training reader's records; None when none of its files is here (absent is not 0 records)."""
        reader = self.readers.get("train_input_reader")
        return reader if reader is not None and reader.files else None

    @property
    def evals(self) -> list[ReaderRecords]:
        return [r for name, r in self.readers.items() if name.startswith("eval")]


@fixture
def records(config, project, options) -> Records:
    """Every TFRecord file of every input reader, read once (cached by content across runs)."""
    from pipecheck.artifacts import cached
    from pipecheck.artifacts.records import FileRecords, scan_file
    from pipecheck.guarded import exists, real

    plan: dict[str, list[tuple[Path, int]]] = {}
    for path, reader in config.input_readers():
        values = list(reader.tf_record_input_reader.input_path)
        # "" is no path (PC203), not the folder it resolves to; a folder matched is PC701's
        found = project.existing([value for value in values if value.strip() and not is_remote(value)], pattern=True)
        plan[path] = [
            (match, position)
            for position, value in enumerate(values)
            if value in found
            for match in found[value]
            if exists(match)
        ]
    unique = {real(f): f for files in plan.values() for f, _position in files}
    if not unique:
        cannot_decide(_("no record file exists (see PC202)"))
    facts, to_scan = {}, []
    for resolved, path in unique.items():
        key = _key_or_none(path)
        hit = _load_or_none(FileRecords, RECORDS_NAMESPACE, key)
        if hit is not None:
            facts[resolved] = hit
        else:
            to_scan.append((resolved, path, key))
    report = options.progress or (lambda label, done, total: None)
    label, total, done = _("reading records"), sum(_size(p) for _resolved, p, _key in to_scan), 0

    def advance(amount: int) -> None:
        nonlocal done
        done += amount
        report(label, done, total)

    for resolved, path, key in to_scan:
        facts[resolved] = scan_file(path, on_bytes=advance)
        if key is not None and not facts[resolved].count("unreadable"):
            cached.store(RECORDS_NAMESPACE, key, facts[resolved].as_json())
    report(label, total, total)
    readers = {
        name: ReaderRecords(name, [facts[real(f)] for f, _ in files], [i for _, i in files])
        for name, files in plan.items()
    }
    return Records(readers, scanned=len(to_scan))


@fixture
def checkpoint(config, project):
    """The fine-tune checkpoint's index and shards, read without TensorFlow (cached by content)."""
    from pipecheck.artifacts import cached
    from pipecheck.artifacts.checkpoint import CheckpointFacts, read_checkpoint

    value = config.train.fine_tune_checkpoint
    if not value or is_remote(value):
        cannot_decide(_("no local fine_tune_checkpoint"))
    from pipecheck.guarded import exists, problem_with

    prefix = project.resolve(value)
    index = Path(f"{prefix}.index")
    if not exists(index) and problem_with(index) is None:
        cannot_decide(_("{path} does not exist (see PC301, PC302)", path=project.display(index)))
    try:
        shards = sorted(prefix.parent.glob(f"{glob.escape(prefix.name)}.data-*"))
    except OSError:
        shards = []
    key = _key_or_none(index, *shards)
    namespace = "checkpoints-graph"  # renamed when the facts gained the object graph: older entries lack it
    hit = _load_or_none(CheckpointFacts, namespace, key)
    if hit is not None:
        return hit
    facts = read_checkpoint(prefix)
    if key is not None and facts.readable:
        cached.store(namespace, key, facts.as_json())
    return facts


def _key_or_none(*paths: Path) -> str | None:
    from pipecheck.artifacts import cached

    try:
        return cached.content_key(*paths)
    except OSError:  # the reader will say what is wrong with the file
        return None


def _load_or_none(kind: type, namespace: str, key: str | None):
    """Cached facts, or None when absent or of the wrong shape (a damaged or foreign entry is ignored)."""
    from pipecheck.artifacts import cached

    data = cached.load(namespace, key) if key is not None else None
    if data is None:
        return None
    try:
        return kind.from_json(data)
    except TypeError:
        return None


def _size(path: Path) -> int:
    from pipecheck.guarded import file_size

    try:
        return file_size(path)
    except OSError:
        return 0
