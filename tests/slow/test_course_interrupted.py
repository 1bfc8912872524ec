"""Ctrl-C in a real OD API training of the tiny SSD course, then resume (slow tier, the course).

Its own project (tests/slow/conftest.py's course_project), so that pytest-xdist runs it beside the
training that the export and eval use.
"""

import json
import signal
import sys
import time

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.cli import pipecheck  # noqa: E402
from support.ssd_course import FOLDER  # noqa: E402
from support.terminal import start_like_a_terminal  # noqa: E402

from pipecheck.artifacts.events import EventsFollower  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.course]


def test_ctrl_c_saves_the_step_and_resume_finishes(course_project):
    command = [sys.executable, "-m", "pipecheck", "train", FOLDER, "--num-steps", "5000"]
    child = start_like_a_terminal(command, course_project)
    follower, seen = EventsFollower(course_project / FOLDER / "checkpoint1" / "train", skip_existing=False), 0
    deadline = time.monotonic() + 600
    while seen < 20 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(1)
        seen = max([s.step for s in follower.poll()] + [seen])
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 130, err[-3000:]
    record = json.loads((course_project / FOLDER / "checkpoint1/pipecheck-run.json").read_text())
    stopped = record["last_step"]
    assert stopped >= 20 and f"stopped at step {stopped}" in out
    state = course_project / FOLDER / "checkpoint1" / "checkpoint"
    assert 'model_checkpoint_path: "ckpt-2"' in state.read_text()  # step 0, then the step reached
    resumed = pipecheck(
        "train", FOLDER, "--resume", "1", "--num-steps", str(stopped + 5), cwd=course_project, timeout=900
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"trained to step {stopped + 5}" in resumed.stdout
    # 5 steps with --checkpoint-every 1000: the OD API's loop saves nothing; the launcher saves the last step.
    assert 'model_checkpoint_path: "ckpt-3"' in state.read_text()
