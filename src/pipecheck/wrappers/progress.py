"""What a running training shows: step / num_steps, loss, seconds per step and ETA.

Two sources feed it: the training's event file, which gets the loss of every step, and the
log lines ("Step 100 per-step time 0.263s" and the loss dictionary after it), which the OD
API writes every 100 steps. On a terminal the bar is redrawn in place; in a CI log a line is
printed at every tenth of the run (or every minute), so logs stay short.
"""

from __future__ import annotations

import re
import sys
import threading
import time

from pipecheck.i18n import N_, _
from pipecheck.report.progress import live_display

_STEP_LINE = re.compile(r"Step (?P<step>\d+) per-step time (?P<seconds>[0-9.]+)s")
_TOTAL_LOSS = re.compile(r"'Loss/total_loss': (?:np\.float32\()?(?P<loss>[-+0-9.eE]+|nan|inf)")
_EVAL_STEP = re.compile(r"Finished eval step (?P<step>\d+)")
# Lines after which the subprocess is busy for a while without a step: what the bar says meanwhile.
_DOING = [
    (
        re.compile(r"pipecheck \[[0-9:]+\]: saving a checkpoint at step (?P<step>\d+)"),
        N_("saving a checkpoint at step {step}…"),
    ),
    (re.compile(r"pipecheck \[[0-9:]+\]: step \d+ saved as "), ""),
    (
        re.compile(r"Performing evaluation on (?P<images>\d+) images"),
        N_("computing the COCO metrics on {images} images…"),
    ),
    (re.compile(r"Accumulating evaluation results"), N_("accumulating the evaluation results…")),
    (re.compile(r"Writing pipeline config file"), N_("writing the exported model…")),
    (re.compile(r"Assets written to"), N_("loading the exported model back…")),
]
_WIDTH = 24


def duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RunProgress:
    """Progress of one task of the subprocess (train, export or eval), drawn on stderr."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        first_step: int = 0,
        stream=None,
        clock=time.monotonic,
        waiting_hint: str = "",
    ):
        self.label, self.total, self.step, self.first_step = label, total, first_step, first_step
        self.loss: float | None = None
        self.seconds_per_step: float | None = None
        self.stream = stream or sys.stderr
        self.live = live_display(self.stream)
        self.clock, self.started = clock, clock()
        self.waiting_hint = waiting_hint
        self.lock = threading.Lock()
        self.step_times: list[tuple[float, int]] = []
        self.printed_share, self.printed_at, self.drawn_width, self.printed = -1, 0.0, 0, ""
        self.doing = self.printed_doing = ""  # what the subprocess is busy with between steps ("saving a checkpoint…")
        self.said: list[str] = []  # messages to print above the bar at the next draw

    def feed_line(self, line: str) -> None:
        """A line of the subprocess's output (called from the reader thread)."""
        with self.lock:
            match = _STEP_LINE.search(line)
            if match:
                # The OD API's own "Step 100 per-step time 0.26s" (every 100 steps): its step and time as
                # written, kept out of step_times, which hold the events' wall times (another clock).
                self.step, self.doing = max(self.step, int(match.group("step"))), ""
                self.seconds_per_step = float(match.group("seconds"))
            match = _TOTAL_LOSS.search(line)
            if match:
                self.loss = float(match.group("loss"))
            match = _EVAL_STEP.search(line)
            if match:
                self._at_step(int(match.group("step")) + 1, self.clock())
            for pattern, message in _DOING:
                match = pattern.search(line)
                if match:
                    self.doing = _(message, **match.groupdict()) if message else ""

    def say(self, message: str) -> None:
        """A message to show once, above the bar (called from the main thread)."""
        with self.lock:
            self.said.append(message)

    def feed_scalars(self, scalars) -> None:
        """Scalars from the training's event file."""
        with self.lock:
            for scalar in scalars:
                if scalar.tag == "Loss/total_loss":
                    self.loss = scalar.value
                    self._at_step(scalar.step, scalar.wall_time)

    def _at_step(self, step: int, now: float) -> None:
        """Steps are timed by when they happened (the event's wall time), not when they were read."""
        if step <= self.step and self.step_times:
            return
        self.step, self.doing = step, ""
        self.step_times.append((now, step))
        del self.step_times[:-30]
        if len(self.step_times) >= 2:
            (then, first), (now, last) = self.step_times[0], self.step_times[-1]
            if last > first:
                self.seconds_per_step = (now - then) / (last - first)

    def line(self) -> str:
        elapsed = self.clock() - self.started
        if self.step == self.first_step and not self.step_times:
            text = _("{label}: starting TensorFlow, {elapsed}", label=self.label, elapsed=duration(elapsed))
            return text + (f" ({self.waiting_hint})" if self.waiting_hint else "")
        parts = [f"{self.label} "]
        if self.total:
            share = min(1.0, self.step / self.total)
            parts.append(f"[{'#' * int(share * _WIDTH):<{_WIDTH}}] {self.step}/{self.total}")
        else:
            parts.append(str(self.step))
        if self.loss is not None:
            parts.append(_("loss {loss:.4g}", loss=self.loss))
        if self.seconds_per_step:
            parts.append(_("{seconds:.2f} s/step", seconds=self.seconds_per_step))
            if self.total:
                parts.append(_("ETA {eta}", eta=duration((self.total - self.step) * self.seconds_per_step)))
        parts.append(_("elapsed {elapsed}", elapsed=duration(elapsed)))
        if self.doing:
            parts.append(self.doing)
        return "  ".join(parts)

    def draw(self) -> None:
        """Redraw (terminal) or print a line now and then (logs); called from the main thread."""
        with self.lock:
            text, said, self.said = self.line(), self.said, []
        for message in said:
            if self.live:
                self.stream.write("\r" + " " * self.drawn_width + "\r")
                self.drawn_width = 0
            self._print(message)
        if self.live:
            padding = max(0, self.drawn_width - len(text))
            self.stream.write("\r" + text + " " * padding)
            self.stream.flush()
            self.drawn_width = len(text)
            return
        now = self.clock()
        share = int(10 * self.step / self.total) if self.total else 0
        if share != self.printed_share or now - self.printed_at >= 60 or self.doing not in ("", self.printed_doing):
            self._print(text)
            self.printed_share, self.printed_at, self.printed_doing = share, now, self.doing

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
        self.printed = text

    def close(self) -> None:
        """End the display; a log gets the last state too."""
        if self.live and self.drawn_width:
            self.stream.write("\n")
            self.stream.flush()
        elif not self.live and self.step_times:
            with self.lock:
                text = self.line()
            if text.split("elapsed")[0] != self.printed.split("elapsed")[0]:
                self._print(text)
