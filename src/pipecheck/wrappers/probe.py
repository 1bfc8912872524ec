"""Measure a few training steps on this machine: peak RAM and seconds per step at a batch size.

`pipecheck probe` trains a handful of steps at two batch sizes, each in its own launcher
subprocess, reads the peak resident memory the kernel accounted to that process (wait4's
ru_maxrss: no sampling, no psutil) and the step times from its events file, fits
peak = fixed + batch × per image through the points, and gives the largest batch that
leaves the estimate's margin free. Ultralytics' AutoBatch does this for CUDA memory only.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Measured:
    batch: int
    peak_mib: float
    seconds_per_step: float | None
    steps: int
    exit_code: int
    seconds: float
    tail: list[str] = field(default_factory=list)


def measure_training(
    command: list[str], env: dict[str, str], cwd: Path, model_dir: Path, batch: int, timeout: float = 1800.0
) -> Measured:
    """Run one launcher training to its end; its own peak RSS and the median gap between its steps."""
    from pipecheck.artifacts.events import EventsFollower

    model_dir.mkdir(parents=True, exist_ok=True)
    log = model_dir / "train.log"
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as output:
        child = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > timeout:
                    child.kill()
                time.sleep(0.2)
        except KeyboardInterrupt:
            child.kill()
            os.wait4(child.pid, 0)
            raise
    child.returncode = os.waitstatus_to_exitcode(status)
    times = {
        s.step: s.wall_time
        for s in EventsFollower(model_dir / "train", skip_existing=False).poll()
        if s.tag == "Loss/total_loss"
    }
    steps = sorted(times)
    gaps = [(times[b] - times[a]) / (b - a) for a, b in zip(steps, steps[1:]) if a >= 2]  # 1-2: tracing
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:] if child.returncode else []
    return Measured(
        batch,
        usage.ru_maxrss / 1024,
        statistics.median(gaps) if gaps else None,
        len(steps),
        child.returncode,
        time.monotonic() - started,
        tail,
    )


def fit_line(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(fixed, per batch item) of the least-squares line through (batch, value) points."""
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return mean_y - slope * mean_x, slope


def largest_batch(fixed_mib: float, per_image_mib: float, available_mib: float, margin: float) -> int:
    """The largest batch whose peak, times the margin, fits in what is available."""
    if per_image_mib <= 0:
        return 0
    return max(0, int((available_mib / margin - fixed_mib) // per_image_mib))


def config_with_batch(text: str, path: Path, pipeline_class, batch: int) -> str:
    """The config text with train_config.batch_size set (layout and comments kept)."""
    from pipecheck.textproto import parse_located
    from pipecheck.textproto.edit import set_value

    return set_value(parse_located(path, text, pipeline_class), "train_config.batch_size", str(batch))
