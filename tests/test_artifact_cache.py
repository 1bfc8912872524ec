"""A second lint of an unchanged project reads no record and no checkpoint again."""

from support.cli import lint_json

import pipecheck.artifacts.checkpoint as checkpoint_module
import pipecheck.artifacts.records as records_module
from pipecheck.testing.artifact_edits import apply_artifact_step


def forbid_reading(monkeypatch, calls):
    def refuse(*args, **kwargs):
        calls.append(args[0])
        raise AssertionError(f"read again: {args[0]}")

    monkeypatch.setattr(records_module, "scan_file", refuse)
    monkeypatch.setattr(checkpoint_module, "read_checkpoint", refuse)


def test_a_second_lint_uses_the_cache(course_project, monkeypatch):
    first = lint_json()
    calls = []
    forbid_reading(monkeypatch, calls)
    second = lint_json()
    assert calls == [] and second[0] == first[0]
    assert second[1]["findings"] == first[1]["findings"]


def test_a_changed_record_file_is_read_again(course_project, monkeypatch):
    lint_json()
    apply_artifact_step(course_project, "record faces_cubes/training/train.record 0 image/object/class/text[0]=One")
    calls = []
    real = records_module.scan_file
    monkeypatch.setattr(records_module, "scan_file", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    code, document = lint_json()
    assert [path.name for path in calls] == ["train.record"]
    assert "PC703" in {f["rule"] for f in document["findings"]}


def test_a_long_lived_process_checksums_an_unchanged_file_once(course_project, monkeypatch):
    """The language server's mode: keys and facts stay in memory while a file's stamp does not move."""
    from pipecheck.artifacts import cached

    cached.remember_in_memory()
    try:
        first = lint_json()
        read = cached.reads["checksummed"]
        calls = []
        with monkeypatch.context() as patched:
            forbid_reading(patched, calls)
            again = lint_json()
        assert cached.reads["checksummed"] == read and calls == [] and again[1]["findings"] == first[1]["findings"]
        apply_artifact_step(course_project, "record faces_cubes/training/train.record 0 image/object/class/text[0]=One")
        code, document = lint_json()
        assert cached.reads["checksummed"] == read + 1  # the changed file only
        assert "PC703" in {f["rule"] for f in document["findings"]}
    finally:
        cached.remember_in_memory(False)
