"""A progress bar on stderr for passes that take more than a second (reading records, checkpoints)."""

from __future__ import annotations

import os
import sys
import time

from pipecheck.report.terminal import control, write_to


def live_display(stream) -> bool:
    """A bar redrawn in place: on a terminal, or always with PIPECHECK_PROGRESS=always (never with =never)."""
    mode = os.environ.get("PIPECHECK_PROGRESS", "auto")
    return mode == "always" or (mode == "auto" and hasattr(stream, "isatty") and stream.isatty())


class Progress:
    """Shown once `delay` seconds have gone by, on a terminal (PIPECHECK_PROGRESS=always forces it)."""

    def __init__(self, total: int, label: str, stream=None, delay: float = 1.0, clock=time.monotonic):
        self.total, self.label, self.done = max(total, 1), label, 0
        self.stream = stream or sys.stderr
        self.clock, self.started, self.delay = clock, clock(), delay
        self.last_drawn = 0.0
        self.enabled = live_display(self.stream)
        self.drawn = False

    def update(self, amount: int) -> None:
        self.done += amount
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.delay or now - self.last_drawn < 0.1:
            return
        self.last_drawn = now
        share = min(1.0, self.done / self.total)
        bar = "#" * int(share * 30)
        speed = self.done / max(now - self.started, 1e-9) / 2**20
        from pipecheck.i18n import _

        self.stream.write(
            f"{control(chr(13))}{self.label} [{bar:<30}] {share:4.0%} " + _("{speed:6.1f} MiB/s", speed=speed)
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            write_to(self.stream, control("\r") + " " * (len(self.label) + 52) + control("\r"))
            self.stream.flush()


def bar_callback(stream=None):
    """The engine's progress callback `(label, done, total)` drawn as one bar per label, closed when done."""
    bars: dict[str, Progress] = {}

    def report(label: str, done: int, total: int) -> None:
        bar = bars.get(label)
        if bar is None:
            bar = bars[label] = Progress(total, label, stream)
        bar.update(done - bar.done)
        if done >= total:
            bars.pop(label).close()

    return report
