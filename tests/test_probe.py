"""pipecheck probe around the stand-in for TensorFlow, which holds a known amount of memory per image."""

import subprocess
import sys

import pytest
from support.cli import pipecheck
from support.projects import NET

from pipecheck.wrappers.probe import fit_line, largest_batch

FOLDER = f"faces_cubes/training/{NET}"


def test_the_line_and_the_largest_batch():
    fixed, per_image = fit_line([(1, 1127.0), (2, 1332.0), (4, 1696.0)])
    assert per_image == pytest.approx(188.6, abs=0.1) and fixed == pytest.approx(945.0, abs=0.1)
    assert largest_batch(1000, 200, 4000 * 1.15, 1.15) == 15
    assert largest_batch(1000, 200, 900, 1.15) == 0 and largest_batch(1000, 0, 9000, 1.15) == 0


def probe(project, fake_python, *args):
    return pipecheck(
        "probe",
        FOLDER,
        "--python",
        fake_python,
        *args,
        cwd=project,
        env={"FAKE_MIB_PER_IMAGE": "40", "FAKE_STEP_SECONDS": "0.01"},
    )


def test_probe_measures_the_memory_per_image_and_leaves_the_project_alone(clean_project, fake_python):
    before = sorted(p.name for p in (clean_project / FOLDER).iterdir())
    done = probe(clean_project, fake_python, "--batches", "1,3", "--ram", "4GiB")
    assert done.returncode == 0, done.stderr
    per_image = float(done.stdout.split(" MiB per image")[0].rsplit("+ ", 1)[1])
    assert 36 <= per_image <= 44  # the stand-in holds 40 MiB per image, on top of Python itself
    assert "batch 1: peak" in done.stdout and "batch 3: peak" in done.stdout
    # Faster R-CNN ResNet-50 at 640x640, measured 2657 MiB at batch 1: the stand-in holds far less.
    estimate = next(line for line in done.stdout.splitlines() if line.startswith("pipecheck's estimate, "))
    assert "Faster R-CNN ResNet-50 at 640x640" in estimate and "(measured)" in estimate
    first = float(estimate.split("batch 1 ")[1].split(" MiB")[0])
    assert 2500 < first < 2800 and "× the measured)" in estimate
    assert (
        "the training set has 16 images" in done.stdout
        and "write batch_size: 16 in pipeline.config (now 1)" in done.stdout
    )
    assert sorted(p.name for p in (clean_project / FOLDER).iterdir()) == before


def test_probe_says_when_not_even_one_image_fits(clean_project, fake_python):
    done = probe(clean_project, fake_python, "--batches", "1,2", "--ram", "10MiB", "--force")
    assert done.returncode == 1 and "largest batch that fits: 0" in done.stdout


def test_probe_needs_two_batch_sizes(clean_project):
    done = subprocess.run(
        [sys.executable, "-m", "pipecheck", "probe", FOLDER, "--batches", "2"],
        cwd=clean_project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "two batch sizes" in done.stderr
