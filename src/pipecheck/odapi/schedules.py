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
    return max(schedule.initial_learning_rate * schedule.decay_factor**exponent, schedule.min_learning_rate)


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


# A cosine schedule whose rate at num_steps is down to this share of its base has decayed enough:
# stopping there is what a shorter total_steps would give, give or take the last steps' noise.
DECAYED_SHARE = 0.25


def decays_within(schedule, steps: int) -> bool:
    """The cosine rate at `steps` is at most DECAYED_SHARE of the base (or the base is 0)."""
    base = schedule.learning_rate_base
    return not base or cosine_rate(schedule, steps) <= DECAYED_SHARE * base


def scaled_to_batch(config, original) -> float | None:
    """The factor new batch / zoo batch when batch_size was cut ≥ 8× and the base rate kept the zoo's, else None.

    Only for momentum (SGD): the linear scaling rule is established for it (Goyal et al., 2017);
    Adam's rate is not scaled with the batch, and PC510 checks it against the zoo's range instead.
    """
    if original is None:
        return None
    mine, theirs = config.learning_rate(), original.learning_rate()
    if mine is None or theirs is None or mine[1] != theirs[1]:
        return None
    if ".momentum_optimizer." not in mine[0] or ".momentum_optimizer." not in theirs[0]:
        return None
    rate, zoo_rate = base_rate(mine[1], mine[2]), base_rate(theirs[1], theirs[2])
    batch, zoo_batch = config.train.batch_size, original.train.batch_size
    if rate is None or zoo_rate is None or zoo_batch < 8 * batch or abs(rate - zoo_rate) > 1e-9 * max(rate, 1e-12):
        return None
    return batch / zoo_batch


def base_rate(schedule_name: str, schedule) -> float | None:
    """The schedule's base rate; None when there is none, or it is infinite or NaN (PC014 says so)."""
    rate = {
        "cosine_decay_learning_rate": lambda s: s.learning_rate_base,
        "exponential_decay_learning_rate": lambda s: s.initial_learning_rate,
        "manual_step_learning_rate": lambda s: s.initial_learning_rate,
        "constant_learning_rate": lambda s: s.learning_rate,
    }.get(schedule_name, lambda s: None)(schedule)
    return rate if rate is not None and math.isfinite(rate) else None


def suggested_cosine(config, original) -> dict[str, str] | None:
    """One cosine schedule that fits num_steps and the batch: {field: value} of what to change, in one go.

    The schedule rules (PC501, PC503, PC509) each report their part and write it from here, so a
    single run shows them all and `pipecheck fix --unsafe` writes values that agree with each other
    (a base rate scaled down without its warmup rate would fail the first step, PC504).
    """
    found = config.learning_rate()
    steps = config.train.num_steps
    if found is None or found[1] != "cosine_decay_learning_rate" or steps <= 0:
        return None
    path, _name, schedule = found
    if not (math.isfinite(schedule.learning_rate_base) and math.isfinite(schedule.warmup_learning_rate)):
        return None  # nothing to suggest from an infinite or NaN rate: PC014's finding
    total = schedule.total_steps
    if total < steps or (total > steps * 1.1 and not decays_within(schedule, steps)):
        total = steps
    warmup = schedule.warmup_steps
    if warmup >= steps or warmup + schedule.hold_base_rate_steps >= total:
        warmup = max(1, steps // 10) if schedule.warmup_steps else 0
    base, warmup_rate = schedule.learning_rate_base, schedule.warmup_learning_rate
    factor = scaled_to_batch(config, original)
    if factor is not None:
        base *= factor
        zoo = original.learning_rate()[2]
        if abs(warmup_rate - zoo.warmup_learning_rate) <= 1e-9 * max(warmup_rate, 1e-12):
            warmup_rate *= factor  # the zoo's pair scales together; a warmup rate the user chose is kept
    values = {
        "warmup_steps": (schedule.warmup_steps, warmup),
        "total_steps": (schedule.total_steps, total),
        "learning_rate_base": (schedule.learning_rate_base, base),
        "warmup_learning_rate": (schedule.warmup_learning_rate, min(warmup_rate, base)),
    }
    return {
        f"{path}.{name}": (f"{new:.3g}" if isinstance(new, float) else str(new))
        for name, (old, new) in values.items()
        if abs(new - old) > 1e-12 * max(abs(old), 1e-12)
    }


def describe_others(suggestion: dict[str, str], field: str) -> str:
    """'total_steps 1000, learning_rate_base 0.000625' for the suggestion's other fields."""
    return ", ".join(f"{name.rsplit('.', 1)[-1]} {value}" for name, value in suggestion.items() if name != field)
