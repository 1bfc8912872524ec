"""The watchdog on real OD API trainings with a mistake injected (slow tier, the tiny SSD course).

Each case edits the course config, runs `pipecheck train` (the last two cases share one training),
then reads the run's events file with pipecheck's follower to find the step where the failure really
happened: the watchdog must name that very step, and a run it stops must not have trained much further.
"""

import json
import math

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.ssd_course import FOLDER, SCHEDULE, build_ssd_course, pipecheck  # noqa: E402

from pipecheck.artifacts.events import EventsFollower  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory, ssd_archive):
    root, _fixed = build_ssd_course(tmp_path_factory.mktemp("watchdog"), ssd_archive)
    return root


def train_with(project, edits, *args):
    """`pipecheck train` on the course config with `edits`; (result, the run's scalars by tag)."""
    from make_example import apply_edits

    config = project / FOLDER / "pipeline.config"
    original = config.read_text()
    config.write_text(apply_edits(original, edits))
    runs_before = {p.name for p in (project / FOLDER).glob("checkpoint*")}
    try:
        done = pipecheck("train", FOLDER, "--force", *args, cwd=project, timeout=900)
    finally:
        config.write_text(original)
    run = next(p for p in (project / FOLDER).glob("checkpoint*") if p.name not in runs_before)
    scalars = {}
    for scalar in EventsFollower(run / "train", skip_existing=False).poll():
        scalars.setdefault(scalar.tag, []).append((scalar.step, scalar.value))
    return done, run, scalars


def first_step(scalars, bad) -> int | None:
    steps = [step for tag, values in scalars.items() if tag.startswith("Loss/") for step, value in values if bad(value)]
    return min(steps) if steps else None


def test_a_rate_of_1e20_turns_the_loss_nan_and_is_stopped_at_that_step(project):
    done, run, scalars = train_with(
        project,
        [(f"{SCHEDULE}.learning_rate_base", "1e20"), (f"{SCHEDULE}.warmup_learning_rate", "1e20")],
        "--num-steps",
        "300",
    )
    nan_at = first_step(scalars, lambda value: not math.isfinite(value))
    print(f"rate 1e20: losses {scalars['Loss/total_loss'][:4]}; first non-finite at step {nan_at}")
    assert nan_at is not None and done.returncode == 1, done.stderr[-3000:]
    assert f"stopped at step {nan_at}: Loss/" in done.stderr and "learning_rate_base 1e+20" in done.stderr
    assert max(step for step, _value in scalars["Loss/total_loss"]) < 300  # stopped, not trained to the end
    assert "the last good checkpoint is" in done.stderr and "(step 0)" in done.stderr
    assert 'model_checkpoint_path: "ckpt-1"' in (run / "checkpoint").read_text()  # nothing saved after the NaN
    assert json.loads((run / "pipecheck-run.json").read_text())["stopped"] == "nan"


def test_a_rate_of_1000_diverges_and_is_stopped_at_that_step(project):
    # Measured: 4.3 at step 1, 5.6e6 at step 2, 1e18 from step 3, still finite at step 10.
    done, run, scalars = train_with(
        project,
        [(f"{SCHEDULE}.learning_rate_base", "1000.0"), (f"{SCHEDULE}.warmup_learning_rate", "1000.0")],
        "--num-steps",
        "300",
    )
    losses = dict(scalars["Loss/total_loss"])
    jumped = min(step for step, value in losses.items() if value > 1000 * losses[1])
    print(f"rate 1000: losses {list(losses.items())[:4]}; 1000 times the first at step {jumped}")
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"stopped at step {jumped}: the loss diverged" in done.stderr
    assert max(losses) < 300 and json.loads((run / "pipecheck-run.json").read_text())["stopped"] == "diverged"


@pytest.fixture(scope="module")
def tiny_rate(project):
    """One training for two cases: a rate of 1e-12 leaves the loss where it was, and the course's cosine
    schedule (total_steps 30) trained to 60 is at rate 0 from step 31 on."""
    return train_with(
        project,
        [(f"{SCHEDULE}.learning_rate_base", "1e-12"), (f"{SCHEDULE}.warmup_learning_rate", "1e-12")],
        "--num-steps",
        "60",
        "--checkpoint-every",
        "20",
    )


def test_the_rate_at_zero_before_the_end_is_named_at_its_step_and_the_log_is_single(tiny_rate):
    done, run, scalars = tiny_rate
    zero = [step for step, value in scalars["learning_rate"] if value == 0]
    assert zero and done.returncode == 0, done.stderr[-3000:]
    assert f"watchdog: the learning rate is 0 at step {min(zero)} of 60" in done.stderr
    assert "trained to step 60" in done.stdout
    log = (run / "train.log").read_text()
    assert log.count("Maybe overwriting train_steps: 60") == 1  # not twice (lvis's root handler)
    assert "saving a checkpoint at step 20" in log and "step 20 saved as" in log


def test_a_rate_too_small_to_move_the_loss_is_said(tiny_rate):
    done, _run, scalars = tiny_rate
    losses = [value for _step, value in scalars["Loss/total_loss"]]
    print(f"rate 1e-12: loss over the first 30 steps {losses[:10]} ... {losses[20:30]}")
    assert done.returncode == 0, done.stderr[-3000:]
    # the watchdog looks at the first 50 steps, or the first half of a shorter training
    assert "watchdog: the loss has not moved in the first 30 steps" in done.stderr
