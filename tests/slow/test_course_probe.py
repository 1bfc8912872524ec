"""`pipecheck probe` on the tiny SSD course: real trainings' memory, and the project left as it was (slow tier).

Its own project (tests/slow/conftest.py's course_project), so that pytest-xdist runs it beside the
course's training.
"""

import re

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.cli import pipecheck  # noqa: E402
from support.ssd_course import FOLDER  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.course]


def test_probe_fits_the_memory_of_real_trainings_and_leaves_the_project_alone(course_project):
    before = sorted(str(p.relative_to(course_project)) for p in (course_project / FOLDER).rglob("*"))
    done = pipecheck("probe", FOLDER, "--batches", "1,2", "--steps", "4", cwd=course_project, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    print(done.stdout)
    peaks = [float(peak) for peak in re.findall(r"^batch \d: peak (\d+) MiB", done.stdout, re.MULTILINE)]
    assert len(peaks) == 2 and 600 < peaks[0] < peaks[1], done.stdout
    per_image = float(re.search(r"\+ (\d+) MiB per image", done.stdout).group(1))
    assert 50 <= per_image <= 500, done.stdout  # measured 171 MiB per image at 300x300 (estimates.py)
    assert "pipecheck's estimate, SSD MobileNet V2 at 300x300" in done.stdout
    assert re.search(r"largest batch that fits: \d+", done.stdout) and "write batch_size: " in done.stdout
    assert sorted(str(p.relative_to(course_project)) for p in (course_project / FOLDER).rglob("*")) == before
