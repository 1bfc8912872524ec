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
