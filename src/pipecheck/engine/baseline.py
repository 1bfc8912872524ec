"""Accept existing findings: a baseline file keyed on rule, file, field and the field's value.

Not on line numbers, so editing elsewhere in the file keeps the baseline valid, while changing
the value a finding is about (or a new finding) shows up again.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipecheck.atomic import ANY, write_output
from pipecheck.errors import InputError
from pipecheck.i18n import _
from pipecheck.version import __version__


class BaselineError(InputError):
    pass


def finding_key(finding, result) -> dict:
    root = result.project.root
    try:
        file = Path(finding.file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        file = str(finding.file)
    value = finding.message
    config = result.config
    if finding.field and config is not None and Path(finding.file) == config.path:
        location = config.located.locations.get(finding.field)
        value = location.raw if location is not None and location.raw else "(absent)"
    return {"rule": finding.rule, "file": file, "field": finding.field, "value": value}


def write_baseline(path: Path, results, since=ANY) -> int:
    """Record every finding shown, and those a baseline already accepted, so none comes back (through the
    guarded writer: `since` is the file's identity when the command began, atomic.output_identity)."""
    entries = [
        finding_key(f, r)
        for r in results
        for f in r.findings + [a.finding for a in r.accepted if a.reason == "baseline"]
    ]
    unique = [
        dict(t)
        for t in sorted(
            {tuple(sorted(e.items(), key=lambda kv: kv[0])) for e in entries},
            key=lambda items: [str(v) for _k, v in items],
        )
    ]
    document = json.dumps({"pipecheck": __version__, "findings": unique}, indent=2) + "\n"
    write_output(Path(path), document.encode("utf-8"), since)
    return len(unique)


def load_baseline(path: Path) -> list[dict]:
    try:
        from pipecheck.guarded import read_text

        document = json.loads(read_text(Path(path)))
        entries = document["findings"]
        keys = {"rule", "file", "field", "value"}
        if not isinstance(entries, list) or not all(isinstance(e, dict) and set(e) == keys for e in entries):
            raise TypeError(
                _("findings must be a list of objects with rule, file, field and value (as --write-baseline writes)")
            )
        return entries
    except OSError as error:
        raise BaselineError(_("{path}: cannot read the baseline: {error}", path=path, error=error.strerror)) from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise BaselineError(_("{path}: not a pipecheck baseline ({error})", path=path, error=error)) from None


def accepted_by(entries: list[dict], result):
    """The test the run's store applies: does the baseline accept this finding?"""
    accepted = {json.dumps(entry, sort_keys=True) for entry in entries}
    return lambda finding: json.dumps(finding_key(finding, result), sort_keys=True) in accepted
