"""make_example.py --checkpoint real: the course example with a checkpoint the OD API restores (issue 10, item 1)."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.cli import pipecheck  # noqa: E402
from support.projects import CONFIG, EXAMPLE, NET  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_real_checkpoint_lints_without_errors_and_train_accepts_it(tmp_path):
    root = tmp_path / "tod_tf2"
    built = subprocess.run(
        [sys.executable, str(EXAMPLE / "make_example.py"), str(root), "--checkpoint", "real"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert "lint-only" not in built.stdout
    report = json.loads(pipecheck(CONFIG, "--format", "json", "--ram", "16GiB", cwd=root, timeout=600).stdout)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert "PC312" not in {u["rule"] for u in report["undecided"]}
    dry = pipecheck("train", f"faces_cubes/training/{NET}", "--dry-run", "--ram", "16GiB", cwd=root, timeout=600)
    assert dry.returncode == 0, dry.stdout[-2000:] + dry.stderr[-2000:]
