"""How many training steps the launcher runs per iteration of the OD API's loop.

Each iteration costs a Python round trip and the loop's own summaries (measured: 17 % of a
0.31 s SSD step when every step is one iteration). Blocks cut that cost; they must divide
the steps left, so the run stops exactly at num_steps, and checkpoint_every, so checkpoints
fall where asked; and stay short, because Ctrl-C takes effect only at the end of a block.
"""

from __future__ import annotations

MAX_BLOCK = 25
BLOCK_SECONDS = 5.0  # the longest wait for Ctrl-C to take effect
UNKNOWN_SPEED_BLOCK = 5  # families without a measured s/step may take seconds per step


def steps_per_iteration(steps_left: int, checkpoint_every: int, seconds_per_step: float | None) -> int:
    limit = (int(BLOCK_SECONDS / seconds_per_step) if seconds_per_step else UNKNOWN_SPEED_BLOCK)
    for size in range(max(1, min(MAX_BLOCK, limit)), 0, -1):
        if steps_left % size == 0 and checkpoint_every % size == 0:
            return size
    return 1
