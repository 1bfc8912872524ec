"""The learning rate the OD API's schedules give at a step (utils/learning_schedules.py), in plain Python."""

from __future__ import annotations

import math


def cosine_rate(schedule, step: int) -> float:
    """cosine_decay_with_warmup: linear warmup, optional hold, cosine to 0 at total_steps, then 0."""
    if step > schedule.total_steps:
        return 0.0
    if schedule.warmup_steps and step < schedule.warmup_steps:
        slope = (schedule.learning_rate_base - schedule.warmup_learning_rate) / schedule.warmup_steps
        return schedule.warmup_learning_rate + slope * step
    if step < schedule.warmup_steps + schedule.hold_base_rate_steps:
        return schedule.learning_rate_base
    span = schedule.total_steps - schedule.warmup_steps - schedule.hold_base_rate_steps
    if span <= 0:
        return float("nan")
    progress = (step - schedule.warmup_steps - schedule.hold_base_rate_steps) / span
    return 0.5 * schedule.learning_rate_base * (1 + math.cos(math.pi * progress))


def exponential_rate(schedule, step: int) -> float:
    """exponential_decay_with_burnin."""
    if schedule.burnin_steps and step < schedule.burnin_steps:
        return schedule.burnin_learning_rate
    exponent = (step - schedule.burnin_steps) / (schedule.decay_steps or 1)
    if schedule.staircase:
        exponent = math.floor(exponent)
    return max(schedule.initial_learning_rate * schedule.decay_factor ** exponent, schedule.min_learning_rate)


def manual_rate(schedule, step: int) -> float:
    """manual_stepping: the initial rate, then each entry's rate from its step; warmup ramps to the first."""
    boundaries = [entry.step for entry in schedule.schedule]
    rates = [schedule.initial_learning_rate] + [entry.learning_rate for entry in schedule.schedule]
    if schedule.warmup and boundaries and step < boundaries[0]:
        return rates[0] + (rates[1] - rates[0]) * step / boundaries[0]
    index = sum(1 for boundary in boundaries if step >= boundary)
    return rates[index]


def rate_at(name: str, schedule, step: int) -> float | None:
    if name == "cosine_decay_learning_rate":
        return cosine_rate(schedule, step)
    if name == "exponential_decay_learning_rate":
        return exponential_rate(schedule, step)
    if name == "manual_step_learning_rate":
        return manual_rate(schedule, step)
    if name == "constant_learning_rate":
        return schedule.learning_rate
    return None


def curve(name: str, schedule, steps: int, points: int = 200) -> list[tuple[int, float]]:
    """(step, rate) pairs over 0..steps, for a plot."""
    if steps <= 0:
        return []
    chosen = sorted({round(i * steps / points) for i in range(points + 1)})
    values = [(step, rate_at(name, schedule, step)) for step in chosen]
    return [(step, rate) for step, rate in values if rate is not None and math.isfinite(rate)]
