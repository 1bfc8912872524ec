"""`pytest --pipecheck PATH`: every pipecheck rule becomes a test item of your suite.

A rule that passes is a passed test, one with errors a failure (showing its findings), one
that cannot decide a skip with the reason; warnings are reported as pytest warnings (or as
failures with --pipecheck-strict). Loaded through the `pytest11` entry point; it does nothing
unless --pipecheck is given.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest


class PipecheckWarning(UserWarning):
    """A pipecheck finding of warning severity."""


def pytest_addoption(parser):
    group = parser.getgroup("pipecheck", "lint TF Object Detection API configs")
    group.addoption(
        "--pipecheck",
        action="append",
        default=[],
        metavar="PATH",
        help="lint this pipeline.config (or training folder): one test per rule",
    )
    group.addoption("--pipecheck-root", metavar="DIR", help="launch root for --pipecheck (default: current folder)")
    group.addoption("--pipecheck-ram", metavar="SIZE", help="RAM of the training machine, e.g. 8GiB")
    group.addoption("--pipecheck-strict", action="store_true", help="warnings fail too")


def _config_path(path: str) -> Path:
    candidate = Path(path)
    return (candidate / "pipeline.config") if candidate.is_dir() else candidate


def pytest_configure(config):
    targets = [_config_path(p).resolve() for p in config.getoption("pipecheck")]
    config._pipecheck_targets = set(targets)
    for target in targets:
        if str(target) not in config.args:
            config.args.append(str(target))


def pytest_collect_file(file_path, parent):
    targets = getattr(parent.config, "_pipecheck_targets", set())
    if Path(file_path).resolve() in targets:
        return PipecheckFile.from_parent(parent, path=Path(file_path))
    return None


class PipecheckFile(pytest.File):
    def collect(self):
        from pipecheck.engine.runner import RunOptions, run

        options = self.config.option
        root = Path(options.pipecheck_root) if options.pipecheck_root else None
        result = run(
            RunOptions(
                target=self.path,
                root=root,
                ram=options.pipecheck_ram,
                strict=True if options.pipecheck_strict else None,
            )
        )
        for outcome in result.outcomes:
            yield PipecheckItem.from_parent(self, name=f"{outcome.rule.code} {outcome.rule.name}", outcome=outcome)


class PipecheckFailure(Exception):
    pass


class PipecheckItem(pytest.Item):
    def __init__(self, *, outcome, **kwargs):
        super().__init__(**kwargs)
        self.outcome = outcome
        # No fixtures, as for any function without arguments: pytest-lsp 1.0.1's pytest_runtest_call
        # wrapper returns without yielding for an item that lacks `funcargs`, failing every rule's item.
        self.funcargs = {}

    def runtest(self):
        """The verdict is the run's own (outcome.status), the one every pipecheck report gives."""
        outcome = self.outcome
        if outcome.status == "undecided":
            pytest.skip(outcome.reason)
        if outcome.status == "crashed":
            raise RuntimeError(outcome.reason)
        if outcome.status == "failed":
            raise PipecheckFailure(_describe(outcome.findings))
        for finding in outcome.findings:
            if finding.severity == "warning":
                warnings.warn(PipecheckWarning(_describe([finding])), stacklevel=1)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, PipecheckFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, self.name


def _describe(findings) -> str:
    return "\n".join(
        f"{f.file}:{f.line}:{f.column}: {f.rule} {f.severity} "
        f"{f.field + ': ' if f.field else ''}{f.message}" + (f"\n    fix: {f.hint}" if f.hint else "")
        for f in findings
    )
