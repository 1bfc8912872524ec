"""The training watchdog on events files written the way the OD API writes them (no TensorFlow).

Each case writes a synthetic events file with pipecheck's writer, reads it back with the
follower `pipecheck train` uses, and feeds the watchdog; the last tests run `pipecheck train`
around the stand-in for TensorFlow with a NaN injected.
"""

import json
import math
import time

import pytest
from support.cli import pipecheck
from support.projects import CONFIG, NET, REPO

from pipecheck.artifacts.events import EventsFollower
from pipecheck.artifacts.pipeline_config import load_pipeline_config
from pipecheck.schema import load_schema
from pipecheck.testing.writers import frame_record, scalar_event
from pipecheck.wrappers.watchdog import Schedule, Watchdog, schedule_of

FOLDER = f"faces_cubes/training/{NET}"


def scalars_from(tmp_path, steps: dict[int, dict[str, float]]):
    folder = tmp_path / "train"
    folder.mkdir(exist_ok=True)
    payload = b"".join(frame_record(scalar_event(step, 1000.0 + step, values)) for step, values in steps.items())
    (folder / "events.out.tfevents.1.host").write_bytes(payload)
    return EventsFollower(folder, skip_existing=False).poll()


def losses(values, rate=None):
    return {
        step: {"Loss/total_loss": value, **({"learning_rate": rate(step)} if rate else {})}
        for step, value in enumerate(values, start=1)
    }


def test_a_nan_loss_stops_at_its_step_and_names_the_rate(tmp_path):
    watch = Watchdog(Schedule(1000, suspects="cosine_decay_learning_rate: learning_rate_base 1000, batch_size 2"))
    watch.feed_line("pipecheck [10:00:00]: step 0 saved as checkpoint1/ckpt-1")
    alarms = watch.feed(scalars_from(tmp_path, losses([4.2, 5.1, 3.9, math.nan, math.nan], rate=lambda s: 1e3)))
    assert [(a.kind, a.step, a.stop) for a in alarms] == [("nan", 4, True)]
    assert "Loss/total_loss is NaN at step 4 (at step 3 it was 3.9)" in alarms[0].message
    assert "learning rate 1000 at step 3" in alarms[0].message and "learning_rate_base 1000" in alarms[0].message
    assert watch.last_good_checkpoint(4) == (0, "checkpoint1/ckpt-1")
    assert watch.feed(scalars_from(tmp_path, losses([math.inf]))) == []  # stopped: nothing more to say


def test_an_infinite_component_loss_counts_too(tmp_path):
    steps = {1: {"Loss/localization_loss": 0.5, "Loss/total_loss": 1.0}, 2: {"Loss/localization_loss": math.inf}}
    alarms = Watchdog(Schedule(100)).feed(scalars_from(tmp_path, steps))
    assert alarms[0].kind == "nan" and "Loss/localization_loss is Inf at step 2" in alarms[0].message


def test_a_checkpoint_saved_at_or_after_the_bad_step_is_not_good():
    watch = Watchdog(Schedule(100))
    for line in (
        "pipecheck [10:00:00]: step 0 saved as run/ckpt-1",
        "pipecheck [10:00:05]: step 10 saved as run/ckpt-2",
        "pipecheck [10:00:05]: step 12 saved as run/ckpt-3",
    ):
        watch.feed_line(line)
    assert watch.last_good_checkpoint(12) == (10, "run/ckpt-2")
    assert Watchdog(Schedule(100)).last_good_checkpoint(5) is None


def test_divergence_stops_the_run(tmp_path):
    values = [2.0, 2.1, 1.9, 2.0, 2.2, 30.0, 45.0, 60.0, 80.0, 120.0]
    alarms = Watchdog(Schedule(1000)).feed(scalars_from(tmp_path, losses(values)))
    assert [(a.kind, a.step, a.stop) for a in alarms] == [("diverged", 10, True)]
    assert "30 times its 2 of the first steps" in alarms[0].message


def test_a_loss_a_thousand_times_its_start_stops_at_that_step(tmp_path):
    # what a rate of 1000 does to the tiny SSD (measured in the slow tier): 4.28, then 5.6e6, then 1.2e18
    alarms = Watchdog(Schedule(300)).feed(scalars_from(tmp_path, losses([4.28, 5.6e6, 1.2e18])))
    assert [(a.kind, a.step, a.stop) for a in alarms] == [("diverged", 2, True)]
    assert "5.6e+06 around step 2, 13084" in alarms[0].message
    assert Watchdog(Schedule(300)).feed(scalars_from(tmp_path, losses([4.0, 40.0, 3.0]))) == []  # one noisy batch


def test_a_falling_loss_raises_nothing(tmp_path):
    values = [4.0 * 0.98**step for step in range(80)]
    assert (
        Watchdog(Schedule(1000, rate_at=lambda s: 0.01)).feed(
            scalars_from(tmp_path, losses(values, rate=lambda s: 0.01))
        )
        == []
    )


def test_a_loss_that_does_not_move_is_reported_once_and_the_run_goes_on(tmp_path):
    values = [3.0 + 0.05 * math.sin(step) for step in range(120)]
    alarms = Watchdog(Schedule(1000)).feed(scalars_from(tmp_path, losses(values)))
    assert [(a.kind, a.step, a.stop) for a in alarms] == [("flat", 50, False)]
    assert "has not moved in the first 50 steps" in alarms[0].message


# The course's SSD at a rate of 1e-12 (TF 2.15.1): losses of steps 1-10 and 41-50, batch 2. The
# loss does not move, but each step sees another batch.
BATCH_NOISE_FIRST = [4.117, 4.250, 4.157, 4.399, 4.089, 4.061, 4.166, 4.162, 4.006, 4.074]
BATCH_NOISE_LAST = [4.246, 4.189, 4.114, 4.126, 4.242, 4.088, 4.096, 4.070, 4.315, 4.286]


def test_a_loss_that_moves_no_more_than_its_batch_noise_is_flat(tmp_path):
    # a run whose last steps drew harder batches: medians 4.13 then 4.28, 3.5 % apart
    values = BATCH_NOISE_FIRST * 4 + [value + 0.1 for value in BATCH_NOISE_LAST]
    alarms = Watchdog(Schedule(1000)).feed(scalars_from(tmp_path, losses(values)))
    assert [(a.kind, a.step) for a in alarms] == [("flat", 50)]


def test_a_noisy_loss_that_falls_is_not_flat(tmp_path):
    noise = [value - 4.12 for value in BATCH_NOISE_FIRST + BATCH_NOISE_LAST] * 3
    values = [4.0 - 0.02 * step + noise[step] for step in range(60)]  # 4.0 to 3.0 in 50 steps
    assert Watchdog(Schedule(1000)).feed(scalars_from(tmp_path, losses(values))) == []


def test_short_runs_are_not_judged_flat(tmp_path):
    assert Watchdog(Schedule(30)).feed(scalars_from(tmp_path, losses([3.0] * 30))) == []


def test_a_rate_of_zero_before_the_end(tmp_path):
    alarms = Watchdog(Schedule(40, rate_at=lambda s: 0.0)).feed(
        scalars_from(tmp_path, losses([1.0 / s for s in range(1, 30)], rate=lambda s: 0.0))
    )
    assert [(a.kind, a.step) for a in alarms] == [("rate", 1)]
    assert "learning rate is 0 at step 1 of 40" in alarms[0].message


def test_a_rate_stuck_at_warmup_and_a_rate_off_schedule(tmp_path):
    expected = lambda step: 0.001 + 0.009 * step / 10 if step < 10 else 0.01  # noqa: E731
    stuck = Watchdog(Schedule(100, rate_at=expected, warmup_steps=10, warmup_rate=0.001)).feed(
        scalars_from(tmp_path, losses([1.0 / s for s in range(1, 20)], rate=lambda s: expected(s) if s < 12 else 0.001))
    )
    assert [(a.kind, a.step) for a in stuck] == [("rate", 12)] and "stuck at the warmup rate 0.001" in stuck[0].message
    off = Watchdog(Schedule(100, rate_at=expected)).feed(
        scalars_from(tmp_path, losses([1.0 / s for s in range(1, 5)], rate=lambda s: 0.5))
    )
    assert [(a.kind, a.step) for a in off] == [("rate", 1)] and "gives 0.0019" in off[0].message


def test_the_schedule_of_the_course_config(clean_project):
    config = load_pipeline_config(clean_project / CONFIG, load_schema(REPO).pipeline_class)
    schedule = schedule_of(config, 1000)
    assert schedule.rate_at(0) == pytest.approx(config.learning_rate()[2].warmup_learning_rate)
    assert "learning_rate_base" in schedule.suspects and "warmup_steps" in schedule.suspects
    assert "batch_size" in schedule.suspects


def train(project, fake_python, *args, **env):
    return pipecheck(
        "train",
        FOLDER,
        "--python",
        fake_python,
        "--ram",
        "16GiB",
        *args,
        cwd=project,
        env={"FAKE_STEP_SECONDS": "0.05", **env},
    )


def test_train_stops_at_once_on_a_nan_and_keeps_the_last_good_checkpoint(clean_project, fake_python):
    started = time.monotonic()
    done = train(clean_project, fake_python, "--checkpoint-every", "3", FAKE_NAN_AT="7")
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - started < 30  # 1000 steps of 0.05 s would take 50 s
    assert "stopped at step 7: Loss/total_loss is NaN at step 7 (at step 6 it was" in done.stderr
    assert "learning_rate_base" in done.stderr and "batch_size 1" in done.stderr
    run = clean_project / FOLDER / "checkpoint1"
    assert f"the last good checkpoint is {FOLDER}/checkpoint1/ckpt-3 (step 6)" in done.stderr
    record = json.loads((run / "pipecheck-run.json").read_text())
    assert record["last_step"] == 6 and record["stopped"] == "nan" and record["stopped_at"] == 7
    steps_written = EventsFollower(run / "train", skip_existing=False).poll()
    assert max(s.step for s in steps_written) < 100


def test_no_watchdog_lets_the_nan_run_on(clean_project, fake_python):
    done = train(clean_project, fake_python, "--no-watchdog", "--num-steps", "12", FAKE_NAN_AT="7")
    assert done.returncode == 0 and "watchdog" not in done.stderr and "trained to step 12" in done.stdout


def test_a_rate_off_schedule_is_said_and_the_run_goes_on(clean_project, fake_python):
    done = train(clean_project, fake_python, "--num-steps", "8", FAKE_RATE="0.5")
    assert done.returncode == 0, done.stderr
    assert "watchdog: the learning rate logged at step 1 is 0.5; the config's schedule gives" in done.stderr
