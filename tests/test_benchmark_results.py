"""Benchmarks record what they measured in benchmarks/results/<name>.json, for the site's measured page."""

import json
import subprocess
import sys

import pytest
from support.projects import REPO


def test_lint_latency_writes_its_figures_with_the_date_machine_and_load(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "lint_latency.py"), "--runs", "1", "--results", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "lint_latency.json").read_text())
    assert result["benchmark"] == "lint_latency" and result["date"].startswith("20")
    assert result["machine"]["cores"] >= 1 and result["machine"]["python"].count(".") == 2
    assert len(result["load"]) == 3 and all(value >= 0 for value in result["load"])
    assert result["figures"]["ratio"] > 0 and result["figures"]["runs"] == 1
    assert result["summary"][0].startswith("`python benchmarks/lint_latency.py`: a whole lint of the example takes ")


def test_lsp_latency_drives_the_server_and_writes_its_figures(tmp_path):
    pytest.importorskip("pygls")  # the lsp extra
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "lsp_latency.py"), "--edits", "5", "--results", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "lsp_latency.json").read_text())
    figures = result["figures"]
    assert result["benchmark"] == "lsp_latency" and len(result["load"]) == 3
    assert figures["edits"] == 5 and len(figures["times_ms"]) == 5 and figures["first_ms"] > 0
    assert "PC001" in figures["codes_per_edit"][3] and "PC001" not in figures["codes_per_edit"][4]  # broken, mended
    assert figures["files_checksummed_by_relint"] == 0 < figures["files_checksummed_first"]
