"""Cost that grows with the input, not faster (issue 23): counted in bytes and calls, never timed.

The timings themselves are benchmarks/scale.py's, measured in one run.
"""

import os
from pathlib import Path

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG

from pipecheck.artifacts import cached


class Counting:
    """A binary stream that counts the bytes read through it."""

    def __init__(self, stream, counter):
        self.stream, self.counter = stream, counter

    def read(self, size=-1):
        data = self.stream.read(size)
        self.counter.append(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()


def test_the_cache_key_of_a_large_file_reads_a_few_blocks_not_the_file(tmp_path, monkeypatch):
    import pipecheck.guarded as guarded

    shard = tmp_path / "ckpt-0.data-00000-of-00001"
    with open(shard, "wb") as stream:
        stream.truncate(256 << 20)  # sparse: 256 MiB that cost nothing on disk
    counted: list[int] = []
    real_open = guarded.open_regular
    monkeypatch.setattr(guarded, "open_regular", lambda path: Counting(real_open(path), counted))
    first = cached.content_key(shard)
    assert sum(counted) <= cached.SAMPLED

    with open(shard, "r+b") as stream:  # a byte between the sampled blocks, its mtime put back
        stream.seek(100 << 20)
        stream.write(b"\1")
    info = shard.stat()
    os.utime(shard, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert cached.content_key(Path(shard)) != first  # ctime moved: the reader reads it all again


def with_absent_paths(root: Path, count: int) -> None:
    """`count` input_path entries naming absent records in 10 absent folders."""
    config = root / CONFIG
    text = config.read_text()
    lines = "".join(f'    input_path: "absent/d{i % 10}/f{i}.record"\n' for i in range(count))
    at = text.index("input_path:")
    config.write_text(text[:at] + lines.lstrip() + "    " + text[at:])


def with_unused_suppressions(root: Path, count: int) -> None:
    config = root / CONFIG
    text = config.read_text()
    at = text.index("  batch_size:")
    config.write_text(text[:at] + "  # pipecheck: ignore[PC101]\n" * count + text[at:])


def stats_of_a_lint(monkeypatch) -> int:
    """The stat and lstat calls of one lint: what a path or a suppression costs the file system."""
    count = [0]
    real_stat, real_lstat = os.stat, os.lstat

    def counted(real):
        def call(*args, **kwargs):
            count[0] += 1
            return real(*args, **kwargs)

        return call

    with monkeypatch.context() as patch:
        patch.setattr(os, "stat", counted(real_stat))
        patch.setattr(os, "lstat", counted(real_lstat))
        run_cli("check", CONFIG, "--ram", "16GiB")
    return count[0]


@pytest.mark.parametrize("grow, most", [(with_absent_paths, 16), (with_unused_suppressions, 2)])
def test_each_path_and_each_suppression_costs_a_bounded_number_of_stats(clean_project, monkeypatch, grow, most):
    """Absent paths are grouped by folder (one stat a folder), the other bases and the root's real path are
    computed once, suppressions are indexed by file and line: before, each path cost 255 stats, each
    suppression 60 (a realpath of the config per finding and suppression)."""
    config = clean_project / CONFIG
    kept = config.read_text()
    counts = {}
    for count in (500, 1000):
        config.write_text(kept)
        grow(clean_project, count)
        counts[count] = stats_of_a_lint(monkeypatch)
    assert (counts[1000] - counts[500]) / 500 <= most, counts


def test_the_diff_table_collapses_a_long_run_of_one_repeated_field(clean_project):
    with_absent_paths(clean_project, 100)
    _code, out = run_cli("check", CONFIG, "--ram", "16GiB")
    rows = [line for line in out.splitlines() if " input_path " in f" {line} "]
    more = [row for row in rows if "more, not listed" in row]
    assert len(more) == 1 and "98 more" in more[0], rows  # of 101 train rows: three, then one counting the rest
    assert len(rows) == 5, rows  # and the eval reader's own row


def test_the_json_diff_counts_the_rows_it_leaves_out(clean_project):
    """Before, the JSON kept one diff row an input_path: 100,000 rows, most of a lint's time and memory."""
    with_absent_paths(clean_project, 100)
    _code, report = lint_json()
    train = [row for row in report["diff"] if row["field"].startswith("train_input_reader.tf_record_input_reader.")]
    assert [row["field"].rsplit(".", 1)[-1] for row in train] == [f"input_path[{i}]" for i in range(3)]
    assert report["diff_elided"] == [{"field": "train_input_reader.tf_record_input_reader.input_path[]", "rows": 98}]


def test_absent_files_of_one_cause_are_one_finding_with_a_few_examples_and_a_count(clean_project):
    """Before, each of 100,000 absent records was a detail finding of its own (80 MB of JSON)."""
    from rules._missing import DETAILS

    with_absent_paths(clean_project, 500)
    _code, report = lint_json()
    absent = [f for f in report["findings"] if f["rule"] == "PC202"]
    lead = [f for f in absent if f["tier"] == "default"]
    assert len(lead) == 1 and lead[0]["message"].startswith("500 record"), lead
    assert len(absent) == 1 + DETAILS and lead[0]["elided"] == 500 - DETAILS


def test_a_lint_frees_its_parsed_config_without_the_cyclic_collector(clean_project):
    """Outcomes pointed back at their RunResult, which holds the config: 100,000 paths' million parsed objects
    waited in a cycle for the collector (a third of a second walking them) instead of going with the result."""
    import gc
    import weakref

    from pipecheck.engine.runner import RunOptions, run

    with_absent_paths(clean_project, 10)
    result = run(RunOptions(target=Path(CONFIG), ram="16GiB"))
    outcome = next(o for o in result.outcomes if o.rule.code == "PC202")
    config = weakref.ref(result.config)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del result
        assert config() is None
    finally:
        if enabled:
            gc.enable()
    assert outcome.status == "failed" and outcome.findings  # an outcome still reads its findings
