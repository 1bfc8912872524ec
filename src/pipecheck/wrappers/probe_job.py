"""ProbeJob: a few real training steps at two batch sizes or more, and the largest batch that fits this machine."""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.odapi.estimates import SAFETY
from pipecheck.wrappers.launch import Launch, WorkflowError, plan_lines, prepare


@dataclass
class ProbeJob:
    """What `pipecheck probe` runs. `lint` is the engine's RunResult for the config (its project and config)."""

    lint: object
    batches: list[int] = field(default_factory=lambda: [1, 2])  # the batch sizes measured
    steps: int = 6  # steps trained at each
    python: str | None = None
    ram: str | None = None  # the training machine's RAM, e.g. "8GiB" (default: measured here)

    def __post_init__(self):
        self.batches = sorted(set(self.batches))
        if len(self.batches) < 2:
            raise WorkflowError(_("--batches needs two batch sizes or more to fit a line, e.g. --batches 1,2"))

    def plan(self) -> str:
        """What --dry-run prints: the launcher's directory, environment and command for each batch size."""
        work = Path(tempfile.mkdtemp(prefix="pipecheck-probe-"))
        try:
            return "\n".join(line for batch in self.batches for line in plan_lines(self._launch(work, batch, True)))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def run(self) -> int:
        """Train `steps` steps at each batch size in a scratch folder, then print the verdict; the exit code."""
        from pipecheck.odapi.machine import current_machine
        from pipecheck.wrappers.probe import fit_line, largest_batch

        machine = current_machine(self.ram)
        work = Path(tempfile.mkdtemp(prefix="pipecheck-probe-"))
        points = []
        try:
            for batch in self.batches:
                found = self._measure(work, batch)
                if found is None:
                    return 1
                points.append(found)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return _verdict(points, machine, self.lint.config, self.lint.fixture("records"), largest_batch, fit_line)

    def _launch(self, work: Path, batch: int, dry_run: bool = False) -> Launch:
        """A copy of the config at `batch` in `work`, and the launcher that trains it there."""
        from pipecheck.wrappers.probe import config_with_batch

        project = self.lint.project
        config_path = work / f"batch{batch}" / "pipeline.config"
        config_path.parent.mkdir(parents=True)
        text = project.config_path.read_text(encoding="utf-8")
        config_path.write_text(
            config_with_batch(text, project.config_path, self.lint.schema.pipeline_class, batch), encoding="utf-8"
        )
        options = {
            "pipeline": str(config_path),
            "model_dir": str(config_path.parent / "run"),
            "num_steps": self.steps,
            "checkpoint_every": 100000,
        }
        return prepare("train", options, project.root, self.python, dry_run)

    def _measure(self, work: Path, batch: int):
        """The peak memory and speed of `steps` steps at `batch`, printed; None (said why) when the training failed."""
        from pipecheck.wrappers.probe import measure_training

        launch = self._launch(work, batch)
        print(
            _("probe: training {steps} steps at batch {batch}…", steps=self.steps, batch=batch),
            file=sys.stderr,
            flush=True,
        )
        run_folder = Path(launch.options["model_dir"])
        found = measure_training(launch.command, launch.full_environment(), self.lint.project.root, run_folder, batch)
        if found.exit_code != 0:
            print("\n".join(found.tail[-8:]), file=sys.stderr)
            print(
                _(
                    "probe: the training at batch {batch} failed (exit code {code}); a larger batch than the "
                    "machine holds ends this way",
                    batch=batch,
                    code=found.exit_code,
                ),
                file=sys.stderr,
            )
            return None
        speed = _("{seconds:.2f} s/step", seconds=found.seconds_per_step) if found.seconds_per_step else "?"
        print(
            _(
                "batch {batch}: peak {peak:.0f} MiB, {speed} ({steps} steps in {seconds:.0f} s)",
                batch=batch,
                peak=found.peak_mib,
                speed=speed,
                steps=found.steps,
                seconds=found.seconds,
            )
        )
        return found


def _verdict(points, machine, config, records, largest_batch, fit_line) -> int:
    from pipecheck.odapi.machine import format_bytes

    fixed, per_image = fit_line([(p.batch, p.peak_mib) for p in points])
    available = machine.ram_available / 2**20
    print(
        _(
            "peak RAM = {fixed:.0f} MiB + {per_image:.0f} MiB per image (fitted through {count} measured points)",
            fixed=fixed,
            per_image=per_image,
            count=len(points),
        )
    )
    timed = [(p.batch, p.seconds_per_step) for p in points if p.seconds_per_step]
    if len(timed) >= 2:
        seconds_fixed, per_image_seconds = fit_line(timed)
        print(
            _(
                "seconds per step = {fixed:.2f} + {per_image:.3f} per image",
                fixed=seconds_fixed,
                per_image=per_image_seconds,
            )
        )
    _against_the_estimate(points, config)
    chosen = largest_batch(fixed, per_image, available, SAFETY)
    room = (
        _("{size} given", size=format_bytes(machine.ram_available))
        if machine.ram_given
        else _("{size} available now", size=format_bytes(machine.ram_available))
    )
    print(
        _(
            "largest batch that fits: {batch} ({room}, keeping a {margin:.0f} % margin)",
            batch=chosen,
            room=room,
            margin=100 * (SAFETY - 1),
        )
    )
    train = records.train if records is not None else None
    if train is not None and train.records and chosen > train.records:
        print(
            _(
                "the training set has {images} images: a batch above that repeats images in every batch (PC716)",
                images=train.records,
            )
        )
        chosen = train.records
    if chosen < 1:
        print(_("not even batch 1 fits with the margin: free memory, or train on a larger machine"))
        return 1
    print(
        _(
            "write batch_size: {batch} in {config} (now {current})",
            batch=chosen,
            config=config.path.name,
            current=config.train.batch_size,
        )
    )
    return 0


def _against_the_estimate(points, config) -> None:
    """What the lint's estimate (PC402, PC404) said for each measured batch: how far to trust it on this machine."""
    from pipecheck.odapi.estimates import MIB, estimate_training

    estimate = estimate_training(config)
    if estimate is None:
        return
    ratios = ", ".join(
        _(
            "batch {batch} {estimated:.0f} MiB ({ratio:.2f}× the measured)",
            batch=p.batch,
            estimated=estimate.peak_bytes(p.batch) / MIB,
            ratio=estimate.peak_bytes(p.batch) / MIB / p.peak_mib,
        )
        for p in points
        if p.peak_mib
    )
    print(_("pipecheck's estimate, {estimate}: {ratios}", estimate=estimate.describe(), ratios=ratios))
