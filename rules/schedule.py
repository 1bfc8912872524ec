"""Rules about the learning-rate schedule's warmup and decay against num_steps.

The zoo's schedules were written for 25 000+ steps at batch 64-512; fine-tuning cuts num_steps
and batch_size and usually leaves the schedule as it was.
"""

import math

from pipecheck import Finding, _, rule
from pipecheck.rulekit import cosine_rate, decays_within, suggested_cosine

from ._schedule import SCHEDULE_CAUSE, SCHEDULE_FITS, _part_of

CODES = ("PC500", "PC505")

_COSINE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


@rule(
    "PC501", "warmup-ends-before-training", category="schedule", severity="warning", fix="safe", checklist=SCHEDULE_FITS
)
def warmup_ends_before_training(config, original):
    """The learning-rate warmup (or burn-in) ends well before num_steps.

    Catalogue: O-02

    Why: cutting num_steps from 25 000 to 1 000 but keeping warmup_steps: 2000 ends the
    run inside the warmup: the rate is still rising and never decays. The course's own log
    shows it (0.0147 at step 100, 0.0267 at step 1000, base 0.04).

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 1000
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 100

    Fix: safe; writes warmup_steps = num_steps / 10, part of the one schedule PC503 and PC509
    complete (a warmup past the end of training is never a choice).
    """
    found = config.learning_rate()
    steps = config.num_steps
    if found is None or not steps:
        return None
    path, name, schedule = found
    if name == "cosine_decay_learning_rate" and schedule.warmup_steps >= steps:
        last = cosine_rate(schedule, steps)
        field = f"{path}.warmup_steps"
        suggestion = suggested_cosine(config, original) or {}
        value = suggestion.get(field, str(max(1, steps // 10)))
        return Finding(
            _(
                "warmup_steps {warmup} ≥ num_steps {steps}: training ends inside the warmup, at a rate of "
                "{last:.4g} on its way to {base:g}, never decaying",
                warmup=schedule.warmup_steps,
                steps=steps,
                last=last,
                base=schedule.learning_rate_base,
            ),
            field=field,
            hint=_("write warmup_steps: {value} (about a tenth of num_steps)", value=value)
            + _part_of(suggestion, field),
            replacement=value,
            cause=SCHEDULE_CAUSE,
        )
    if name == "exponential_decay_learning_rate" and schedule.burnin_steps >= steps:
        return Finding(
            _(
                "burnin_steps {burnin} ≥ num_steps {steps}: training ends during the burn-in",
                burnin=schedule.burnin_steps,
                steps=steps,
            ),
            field=f"{path}.burnin_steps",
            hint=_("write burnin_steps: {value}", value=max(1, steps // 10)),
        )
    return None


@rule("PC502", "decay-covers-training", category="schedule", fix="safe", checklist=SCHEDULE_FITS)
def decay_covers_training(config):
    """The cosine decay's total_steps is at least num_steps.

    Catalogue: O-01

    Why: past total_steps the cosine schedule returns exactly 0
    (learning_schedules.py: tf.where(global_step > total_steps, 0.0, ...)); every step after
    it trains nothing, and only the learning_rate scalar in TensorBoard shows it.

    Bad:
        train_config.num_steps: 2000
        expect train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps
    Good:
        train_config.num_steps: 1000

    Fix: safe; writes total_steps = num_steps.
    """
    found = config.learning_rate("cosine_decay_learning_rate")
    steps = config.num_steps
    if found is None or not steps:
        return None
    path, _name, schedule = found
    if schedule.total_steps < steps:
        lost = steps - schedule.total_steps
        return Finding(
            _(
                "total_steps {total} < num_steps {steps}: the learning rate is 0 for the last {lost} steps, "
                "which train nothing",
                total=schedule.total_steps,
                steps=steps,
                lost=lost,
            ),
            field=f"{path}.total_steps",
            hint=_("write total_steps: {value}", value=steps),
            replacement=str(steps),
            cause=SCHEDULE_CAUSE,
        )
    return None


@rule("PC503", "decay-matches-training", category="schedule", severity="warning", fix="safe", checklist=SCHEDULE_FITS)
def decay_matches_training(config, original):
    """The cosine decay's total_steps is about num_steps, so the rate actually decays.

    Catalogue: O-02

    Why: with total_steps: 25000 kept and num_steps cut to 1000, the run stops at the top
    of the curve: the rate barely decays and the model ends on a large, noisy rate. A rate
    already down to a quarter of its base at num_steps (DECAYED_SHARE) has decayed enough:
    nothing is reported then.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps: 25000
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps: 1000

    Fix: safe; writes total_steps = num_steps.
    """
    found = config.learning_rate("cosine_decay_learning_rate")
    steps = config.num_steps
    if found is None or not steps:
        return None
    path, _name, schedule = found
    if schedule.total_steps <= steps * 1.1 or decays_within(schedule, steps):
        return None  # at num_steps the rate is down to a quarter of its base or less: decayed enough
    final = cosine_rate(schedule, steps)
    share = final / schedule.learning_rate_base if schedule.learning_rate_base else 0
    field = f"{path}.total_steps"
    return Finding(
        _(
            "total_steps {total} is far beyond num_steps {steps}: training stops with the rate still at "
            "{share:.0%} of its base ({final:.4g})",
            total=schedule.total_steps,
            steps=steps,
            share=share,
            final=final,
        ),
        field=field,
        hint=_("write total_steps: {value}", value=steps) + _part_of(suggested_cosine(config, original), field),
        replacement=str(steps),
        cause=SCHEDULE_CAUSE,
    )


@rule("PC504", "warmup-rate-below-base", category="schedule", checklist=SCHEDULE_FITS)
def warmup_rate_below_base(config):
    """The warmup (burn-in) rate is not above the base rate.

    Catalogue: O-04

    Why: lowering learning_rate_base (0.04 → 0.004) but keeping warmup_learning_rate
    0.013333 makes the first optimizer step fail with "learning_rate_base must be larger
    or equal to warmup_learning_rate", after the model and data are loaded.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_learning_rate: 0.013333
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_learning_rate: 0.001
    """
    found = config.learning_rate()
    if found is None:
        return None
    path, name, schedule = found
    if not all(math.isfinite(value) for _field, value in schedule.ListFields() if isinstance(value, float)):
        return None  # an infinite or NaN rate is PC014's finding
    if name == "cosine_decay_learning_rate" and schedule.warmup_learning_rate > schedule.learning_rate_base:
        return Finding(
            _(
                "warmup_learning_rate {warmup:g} > learning_rate_base {base:g}: the first step fails",
                warmup=schedule.warmup_learning_rate,
                base=schedule.learning_rate_base,
            ),
            field=f"{path}.warmup_learning_rate",
            hint=_("scale both rates by the same factor; the zoo's warmup rate is a third of the base"),
        )
    if name == "exponential_decay_learning_rate" and schedule.burnin_learning_rate > schedule.initial_learning_rate:
        return Finding(
            _(
                "burnin_learning_rate {burnin:g} > initial_learning_rate {initial:g}: the first step fails",
                burnin=schedule.burnin_learning_rate,
                initial=schedule.initial_learning_rate,
            ),
            field=f"{path}.burnin_learning_rate",
            hint=_("keep the burn-in rate at or below the initial rate"),
        )
    return None


@rule("PC505", "warmup-shorter-than-decay", category="schedule", checklist=SCHEDULE_FITS)
def warmup_shorter_than_decay(config):
    """warmup_steps (+ hold_base_rate_steps) is below total_steps.

    Catalogue: O-03, O-05

    Why: warmup_steps above total_steps fails the optimizer's build ("total_steps must be
    larger or equal to warmup_steps"); equal, the cosine divides by zero and the rate at
    that step is NaN, which can poison the weights without an error (when training runs
    past that step: a run that ends inside the warmup is PC501's).

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 1000
        train_config.num_steps: 2000
        expect train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps
    Bad (above):
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 1200
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 100
    """
    found = config.learning_rate("cosine_decay_learning_rate")
    if found is None:
        return None
    path, _name, schedule = found
    warm = schedule.warmup_steps + schedule.hold_base_rate_steps
    if schedule.warmup_steps > schedule.total_steps:
        return Finding(
            _(
                "warmup_steps {warmup} > total_steps {total}: the optimizer cannot be built",
                warmup=schedule.warmup_steps,
                total=schedule.total_steps,
            ),
            field=f"{path}.warmup_steps",
            hint=_("make warmup_steps a tenth of total_steps"),
        )
    if warm == schedule.total_steps and schedule.total_steps and config.num_steps > schedule.total_steps:
        return Finding(
            _(
                "warmup_steps + hold_base_rate_steps = total_steps = {total}: the cosine divides by zero and "
                "the rate becomes NaN at that step",
                total=schedule.total_steps,
            ),
            field=f"{path}.warmup_steps",
            hint=_("make warmup_steps a tenth of total_steps"),
        )
    return None
