"""MultiWorkerMirroredStrategy for real: two OD API workers over 127.0.0.1 train the tiny SSD project.

Also records what the OD API itself does with the two distribution mistakes the lint refuses
(a batch the replicas cannot split, one input file for two workers): its error and how long it
took to come. Two TensorFlow workers share this machine's 2 cores, so every run is slow; the
timings printed are for a shared machine.
"""

import json
import re
import signal
import subprocess
import sys
import time

import pytest
from support.cli import pipecheck
from support.ssd_course import FOLDER, build_ssd_course
from support.terminal import start_like_a_terminal

pytestmark = pytest.mark.slow
TRAIN_RECORD = "faces_cubes/training/train.record"


def _split_records(root) -> None:
    """train.record in two shards, one per worker (the OD API shards files, not records)."""
    from pipecheck.artifacts.tfrecord import RecordReader
    from pipecheck.testing.writers import write_tfrecord

    source = root / TRAIN_RECORD
    payloads = [payload for _index, _offset, payload in RecordReader(source)]
    for index in range(2):
        write_tfrecord(root / f"faces_cubes/training/train-{index}-of-2.record", payloads[index::2])
    source.unlink()
    _replace(root, f'input_path: "{TRAIN_RECORD}"', 'input_path: "faces_cubes/training/train-?-of-2.record"')


def _replace(root, old: str, new: str) -> None:
    config = root / FOLDER / "pipeline.config"
    text = config.read_text()
    assert old in text, old
    config.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def project(tmp_path_factory, ssd_archive):
    root, _fixed = build_ssd_course(tmp_path_factory.mktemp("workers"), ssd_archive)
    _split_records(root)
    lint = pipecheck("check", FOLDER, "--local-workers", "2", "--format", "json", cwd=root)
    assert json.loads(lint.stdout)["summary"]["errors"] == 0, lint.stdout
    return root


def test_two_local_workers_train_and_the_chiefs_checkpoint_exports(project):
    started = time.monotonic()
    done = pipecheck("train", FOLDER, "--local-workers", "2", "--num-steps", "3", cwd=project, timeout=1500)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    run = project / FOLDER / "checkpoint1"
    chief, worker = (run / "train.log").read_text(), (run / "train-worker1.log").read_text()
    assert "MultiWorkerMirroredStrategy: task worker 0, 2 replicas in sync" in chief
    assert "MultiWorkerMirroredStrategy: task worker 1, 2 replicas in sync" in worker
    assert 'pipecheck-result: {"interrupted": false, "step": 3' in chief
    assert re.search(r'pipecheck-result: \{"interrupted": false, "step": 3, "checkpoint": null, "worker": true', worker)
    assert not list(run.glob("temp_worker_*"))  # the OD API removed the worker's scratch checkpoints
    assert "trained to step 3" in done.stdout
    assert sorted(p.name for p in run.glob("ckpt-*.index"))  # the chief's, in checkpoint1 itself
    print(f"\n2 local workers, 3 steps: {seconds:.0f} s (shared 2-core machine)")

    exported = pipecheck("export", FOLDER, cwd=project, timeout=900)
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert (project / FOLDER / "saved_model1" / "saved_model" / "saved_model.pb").exists()


def test_ctrl_c_stops_both_workers(project):
    command = [sys.executable, "-m", "pipecheck", "train", FOLDER, "--local-workers", "2", "--num-steps", "100000"]
    earlier = set((project / FOLDER).glob("checkpoint*/train.log"))  # an earlier test's run is not this one
    child = start_like_a_terminal(command, project)
    deadline = time.monotonic() + 600
    run = None
    while time.monotonic() < deadline and child.poll() is None:
        time.sleep(2)
        runs = sorted(set((project / FOLDER).glob("checkpoint*/train.log")) - earlier)
        run = runs[-1].parent if runs else None
        if (
            run is not None
            and list((run / "train").glob("events.out.tfevents.*"))
            and any(p.stat().st_size > 200 for p in (run / "train").glob("events.out.tfevents.*"))
        ):
            break  # the chief has logged a step
    assert child.poll() is None, child.communicate()[1][-3000:]
    time.sleep(3)
    stopped_at = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=400)
    seconds = time.monotonic() - stopped_at
    assert child.returncode == 130, out[-2000:] + err[-3000:]
    assert "stopping every worker" in err and "stopped at step" in out
    for log in ("train.log", "train-worker1.log"):
        assert 'pipecheck-result: {"interrupted": true' in (run / log).read_text()
    print(f"\nCtrl-C: both workers stopped {seconds:.0f} s after it (shared 2-core machine)")


def _forced_run(project, seconds_allowed: float) -> tuple[subprocess.CompletedProcess | None, str, float]:
    """Train with --force past the lint; (finished or None if it had to be stopped, logs, seconds)."""
    command = [
        sys.executable,
        "-m",
        "pipecheck",
        "train",
        FOLDER,
        "--local-workers",
        "2",
        "--num-steps",
        "3",
        "--force",
    ]
    started = time.monotonic()
    child = start_like_a_terminal(command, project)
    try:
        out, err = child.communicate(timeout=seconds_allowed)
        finished = subprocess.CompletedProcess(command, child.returncode, out, err)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)  # pipecheck stops both workers
        out, err = child.communicate(timeout=300)
        finished = None
    seconds = time.monotonic() - started
    runs = sorted((project / FOLDER).glob("checkpoint*/train*.log"), key=lambda p: p.stat().st_mtime)[-2:]
    return finished, out + err + "".join(p.read_text() for p in runs), seconds


def test_a_batch_the_replicas_cannot_split_is_refused_before_and_fails_late_in_the_od_api(project):
    _replace(project, "batch_size: 2", "batch_size: 3")
    try:
        started = time.monotonic()
        refused = pipecheck("train", FOLDER, "--local-workers", "2", cwd=project)
        lint_seconds = time.monotonic() - started
        assert refused.returncode == 1 and "PC411" in refused.stdout
        finished, logs, seconds = _forced_run(project, 900)
        assert finished is not None and finished.returncode != 0
        error = re.search(r"ValueError: The `global_batch_size` 3 is not divisible by `num_replicas_in_sync` 2", logs)
        assert error, logs[-3000:]
        print(
            f"\nbatch 3 over 2 workers: pipecheck refuses in {lint_seconds:.1f} s; the OD API raises "
            f"{error.group(0)!r} after {seconds:.0f} s (shared 2-core machine)"
        )
    finally:
        _replace(project, "batch_size: 3", "batch_size: 2")


def test_one_input_file_for_two_workers_what_the_od_api_does(project):
    """PC412's measurement: the second worker's shard of the file names is empty."""
    _replace(project, "train-?-of-2.record", "train-0-of-2.record")
    try:
        finished, logs, seconds = _forced_run(project, 600)
        assert finished is not None and finished.returncode != 0, "the workers did not stop by themselves"
        # measured: worker 1's first batch is End of sequence, and the chief's collective is aborted by it
        error = re.search(r"OutOfRangeError: .*End of sequence", logs)
        assert error and "Collective ops is aborted by: Error reported from /job:worker/task:1" in logs, logs[-3000:]
        assert "OutOfRangeError" in finished.stderr  # the error pipecheck shows is worker 1's
        print(
            f"\none train file for 2 workers: {error.group(0)[:60]!r}... on worker 1, the chief aborted, "
            f"after {seconds:.0f} s (shared 2-core machine)"
        )
    finally:
        _replace(project, "train-0-of-2.record", "train-?-of-2.record")
