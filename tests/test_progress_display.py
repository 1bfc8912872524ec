"""What the bar says between steps (saving a checkpoint, computing metrics), and messages above it."""

import io

from pipecheck.wrappers.progress import RunProgress


class Step:
    def __init__(self, step, value=1.0):
        self.tag, self.value, self.step, self.wall_time = "Loss/total_loss", value, step, float(step)


def test_the_bar_says_a_checkpoint_is_being_saved_until_the_next_step():
    progress = RunProgress("train", total=100, stream=io.StringIO(), clock=lambda: 10.0)
    progress.feed_scalars([Step(1), Step(2)])
    progress.feed_line("pipecheck [10:00:00]: saving a checkpoint at step 2")
    assert progress.line().endswith("saving a checkpoint at step 2…")
    progress.feed_line("pipecheck [10:00:03]: step 2 saved as checkpoint1/ckpt-2")
    assert "saving" not in progress.line()
    progress.feed_line("pipecheck [10:00:04]: saving a checkpoint at step 2")
    progress.feed_scalars([Step(3)])
    assert "saving" not in progress.line()


def test_evaluation_says_it_is_computing_the_metrics():
    progress = RunProgress("eval", stream=io.StringIO(), clock=lambda: 10.0)
    progress.feed_line("INFO:tensorflow:Finished eval step 0")
    progress.feed_line("INFO:tensorflow:Performing evaluation on 6 images.")
    assert "computing the COCO metrics on 6 images…" in progress.line()


def test_a_log_prints_what_it_is_doing_once_and_messages_above_the_bar():
    stream = io.StringIO()
    progress = RunProgress("train", total=100, stream=stream, clock=lambda: 10.0)
    progress.feed_scalars([Step(1), Step(2)])
    progress.draw()
    progress.feed_line("pipecheck [10:00:00]: saving a checkpoint at step 2")
    progress.draw()
    progress.draw()
    progress.say("watchdog: the loss is NaN")
    progress.draw()
    lines = stream.getvalue().splitlines()
    assert sum("saving a checkpoint at step 2…" in line for line in lines) == 1
    assert "watchdog: the loss is NaN" in lines


def test_the_od_apis_own_step_line_does_not_mix_its_clock_with_the_events():
    # Events carry wall times (seconds since 1970), the OD API's "Step 100 per-step time" line comes
    # every 100 steps; timed by the monotonic clock, the two made a step last 39913788 s on the bar.
    def at(step):
        scalar = Step(step)
        scalar.wall_time = 1_796_000_000.0 + step * 0.05
        return scalar

    progress = RunProgress("train", total=1000, stream=io.StringIO(), clock=lambda: 5000.0)
    progress.feed_scalars([at(98), at(99)])
    progress.feed_line("INFO:tensorflow:Step 100 per-step time 0.051s")  # read before step 100's event
    assert progress.step == 100 and progress.seconds_per_step == 0.051
    for step in range(101, 140):
        progress.feed_scalars([at(step)])
        assert abs(progress.seconds_per_step - 0.05) < 1e-6, (step, progress.seconds_per_step)
