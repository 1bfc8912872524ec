"""The launcher's block of steps per iteration: divides the steps and checkpoint_every, stays short."""

from pipecheck.wrappers.blocks import steps_per_iteration


def test_blocks_divide_the_steps_left_and_checkpoint_every():
    assert steps_per_iteration(1000, 1000, 0.15) == 25
    assert steps_per_iteration(30, 10, 0.15) == 10
    assert steps_per_iteration(37, 1000, 0.15) == 1  # a prime number of steps: one at a time, still exact
    assert steps_per_iteration(45, 20, 0.15) == 5


def test_slow_steps_get_short_blocks():
    assert steps_per_iteration(1000, 1000, 5.0) == 1  # Faster R-CNN on a CPU: Ctrl-C within a step
    assert steps_per_iteration(1000, 1000, 0.5) == 10
    assert steps_per_iteration(1000, 1000, None) == 5
