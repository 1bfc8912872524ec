"""Watch a training through its events: a NaN loss, a loss that does not move, a rate off schedule, divergence.

The events file has, for every step s, the losses of the s-th step and the learning rate the
schedule gives at global step s (model_lib_v2 logs both after the step). A NaN or infinite
loss, and a loss far above where it started, stop the run: every later step is wasted and
would be saved over the last good checkpoint. A loss that does not move and a rate that is
not the schedule pipecheck computes are reported once and the run goes on.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from pipecheck.i18n import _

_SAVED = re.compile(r"pipecheck \[[0-9:]+\]: step (?P<step>\d+) saved as (?P<path>\S+)")
_LOSSES = "Loss/"
FLAT_STEPS = 50  # the first steps in which the loss has to move
FLAT_SHARE = 0.02  # moving: the median loss changed by more than this share of where it started
# ... and by more than this many standard errors of that change: each step sees another batch,
# and at a rate of 1e-12 the course's medians of 10 steps still differed by up to 3 % (4.14, 4.38)
FLAT_NOISE = 3.0
DIVERGENCE = 10.0  # diverged: the recent median loss is this many times the first steps' median
JUMP = 1000.0  # or one loss is this many times the first steps' median
WINDOW = 5


@dataclass(frozen=True)
class Alarm:
    kind: str  # "nan", "diverged", "flat", "rate"
    step: int
    message: str
    stop: bool


@dataclass
class Schedule:
    """What the config says the run should do: the rate at each step, and the values to blame."""

    num_steps: int
    rate_at: object = None  # step -> expected learning rate, or None when pipecheck does not model it
    warmup_steps: int = 0
    warmup_rate: float | None = None
    suspects: str = ""  # "learning_rate_base 1000, warmup ..., batch_size 2": named when the loss blows up


@dataclass
class Watchdog:
    schedule: Schedule
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, Loss/total_loss)
    alarms: list[Alarm] = field(default_factory=list)
    saved: list[tuple[int, str]] = field(default_factory=list)  # (step, checkpoint prefix) as the launcher logs them
    rate: tuple[int, float] | None = None  # the last (step, learning rate) logged

    @property
    def stopping(self) -> Alarm | None:
        return next((alarm for alarm in self.alarms if alarm.stop), None)

    def feed(self, scalars) -> list[Alarm]:
        """New alarms for these scalars (the run is to stop when one has `stop`)."""
        new: list[Alarm] = []
        for scalar in scalars:
            if self.stopping is not None:
                break
            if scalar.tag.startswith(_LOSSES) and not math.isfinite(scalar.value):
                found = [self._not_finite(scalar)]
            elif scalar.tag == "Loss/total_loss":
                self.losses.append((scalar.step, scalar.value))
                found = self._diverged() + self._flat()
            elif scalar.tag == "learning_rate":
                self.rate = (scalar.step, scalar.value)
                found = self._rate(scalar.step, scalar.value)
            else:
                found = []
            self.alarms += found
            new += found
        return new

    def feed_line(self, line: str) -> None:
        match = _SAVED.search(line)
        if match:
            self.saved.append((int(match.group("step")), match.group("path")))

    def last_good_checkpoint(self, before_step: int) -> tuple[int, str] | None:
        """The last checkpoint saved from weights that had not yet given the bad loss."""
        good = [(step, path) for step, path in self.saved if step < before_step]
        return good[-1] if good else None

    def _once(self, kind: str) -> bool:
        return any(alarm.kind == kind for alarm in self.alarms)

    def _not_finite(self, scalar) -> Alarm:
        last = next((value for step, value in reversed(self.losses) if step < scalar.step), None)
        before = (
            _(" (at step {step} it was {loss:.4g})", step=self.losses[-1][0], loss=last)
            if last is not None
            else _(" (it was never finite)")
        )
        rate = _("learning rate {rate:.4g} at step {step}; ", rate=self.rate[1], step=self.rate[0]) if self.rate else ""
        value = "NaN" if math.isnan(scalar.value) else ("Inf" if scalar.value > 0 else "-Inf")
        return Alarm(
            "nan",
            scalar.step,
            _(
                "{tag} is {value} at step {step}{before}: the weights are lost from here; "
                "most likely responsible: {rate}{suspects}",
                tag=scalar.tag,
                value=value,
                step=scalar.step,
                before=before,
                rate=rate,
                suspects=self.schedule.suspects or "?",
            ),
            True,
        )

    def _diverged(self) -> list[Alarm]:
        """Sustained (the median of the last steps) or at once (one loss no batch noise explains)."""
        if len(self.losses) < 2:
            return []
        start = statistics.median(value for _step, value in self.losses[: min(WINDOW, len(self.losses) - 1)])
        recent = statistics.median(value for _step, value in self.losses[-WINDOW:])
        if len(self.losses) < 2 * WINDOW or recent <= DIVERGENCE * start:
            recent = self.losses[-1][1] if self.losses[-1][1] > JUMP * start else 0.0
        if start > 0 and recent > DIVERGENCE * start:
            step = self.losses[-1][0]
            return [
                Alarm(
                    "diverged",
                    step,
                    _(
                        "the loss diverged: {recent:.4g} around step {step}, {times:.0f} times its "
                        "{start:.4g} of the first steps; most likely responsible: {suspects}",
                        recent=recent,
                        step=step,
                        times=recent / start,
                        start=start,
                        suspects=self.schedule.suspects or "?",
                    ),
                    True,
                )
            ]
        return []

    def _flat(self) -> list[Alarm]:
        flat_steps = min(FLAT_STEPS, self.schedule.num_steps // 2)
        if self._once("flat") or flat_steps < 4 * WINDOW or len(self.losses) != flat_steps:
            return []
        values = [value for _step, value in self.losses]
        start, now = statistics.median(values[: 2 * WINDOW]), statistics.median(values[-2 * WINDOW :])
        # The batch noise from one step to the next, which a falling loss barely changes: the
        # median of |loss(s+1) - loss(s)| is 0.95 sigma. A median of n losses has a standard
        # error of about 1.25 sigma / sqrt(n), and the change between two of them sqrt(2) times that.
        sigma = statistics.median(abs(b - a) for a, b in zip(values, values[1:])) / 0.954
        noise = 1.25 * sigma * math.sqrt(2 / (2 * WINDOW))
        if abs(now - start) > max(FLAT_SHARE * abs(start), FLAT_NOISE * noise):
            return []
        return [
            Alarm(
                "flat",
                self.losses[-1][0],
                _(
                    "the loss has not moved in the first {steps} steps ({start:.4g} "
                    "then {now:.4g}): is the learning rate too small? {suspects}",
                    steps=flat_steps,
                    start=start,
                    now=now,
                    suspects=self.schedule.suspects,
                ),
                False,
            )
        ]

    def _rate(self, step: int, logged: float) -> list[Alarm]:
        schedule = self.schedule
        if self._once("rate"):
            return []
        if logged == 0 and step < schedule.num_steps:
            return [
                Alarm(
                    "rate",
                    step,
                    _(
                        "the learning rate is 0 at step {step} of {steps}: the steps left change nothing",
                        step=step,
                        steps=schedule.num_steps,
                    ),
                    False,
                )
            ]
        expected = schedule.rate_at(step) if schedule.rate_at else None
        if expected is None or not math.isfinite(expected) or _close(logged, expected):
            return []
        if (
            schedule.warmup_rate is not None
            and step > schedule.warmup_steps + 1
            and _close(logged, schedule.warmup_rate)
        ):
            return [
                Alarm(
                    "rate",
                    step,
                    _(
                        "the learning rate is stuck at the warmup rate {rate:.4g} at step {step}, "
                        "after warmup_steps {warmup} (the schedule gives {expected:.4g})",
                        rate=logged,
                        step=step,
                        warmup=schedule.warmup_steps,
                        expected=expected,
                    ),
                    False,
                )
            ]
        return [
            Alarm(
                "rate",
                step,
                _(
                    "the learning rate logged at step {step} is {logged:.4g}; the config's schedule "
                    "gives {expected:.4g}",
                    step=step,
                    logged=logged,
                    expected=expected,
                ),
                False,
            )
        ]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.01 * max(abs(a), abs(b)) + 1e-12  # the rate is logged in float32


def schedule_of(config, num_steps: int) -> Schedule:
    """The Schedule of a PipelineConfig, trained for `num_steps` (the config's or --num-steps)."""
    from pipecheck.odapi import schedules

    suspects = [_("batch_size {batch}", batch=config.train.batch_size)]
    found = config.learning_rate()
    if found is None:
        return Schedule(num_steps, suspects=", ".join(suspects))
    _path, name, schedule = found
    values = [
        f"{field.name} {value:g}"
        for field, value in schedule.ListFields()
        if isinstance(value, (int, float)) and "rate" in field.name or field.name.endswith("_steps")
    ]
    warmup = getattr(schedule, "warmup_steps", 0) or getattr(schedule, "burnin_steps", 0)
    warmup_rate = getattr(schedule, "warmup_learning_rate", None) if warmup else None
    return Schedule(
        num_steps,
        rate_at=lambda step: schedules.rate_at(name, schedule, step),
        warmup_steps=warmup,
        warmup_rate=warmup_rate,
        suspects=", ".join([f"{name}: " + ", ".join(values)] + suspects),
    )
