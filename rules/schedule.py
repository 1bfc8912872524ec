"""Rules about num_steps and the learning-rate schedule.

The zoo's schedules were written for 25 000+ steps at batch 64-512; fine-tuning cuts num_steps
and batch_size and usually leaves the schedule as it was.
"""

from pipecheck import Finding, cannot_decide, rule

_COSINE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
CHECKPOINT_EVERY_N = 1000  # model_main_tf2.py's default --checkpoint_every_n


def _schedule(config, kind: str | None = None):
    found = config.learning_rate()
    if found is None or (kind is not None and found[1] != kind):
        return None
    return found


def _base_rate(schedule_name: str, schedule) -> float | None:
    return {
        "cosine_decay_learning_rate": lambda s: s.learning_rate_base,
        "exponential_decay_learning_rate": lambda s: s.initial_learning_rate,
        "manual_step_learning_rate": lambda s: s.initial_learning_rate,
        "constant_learning_rate": lambda s: s.learning_rate,
    }.get(schedule_name, lambda s: None)(schedule)


def cosine_rate(schedule, step: int) -> float:
    """The rate utils/learning_schedules.cosine_decay_with_warmup gives at a step."""
    import math

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


@rule("PC501", "warmup-ends-before-training", category="schedule", severity="warning")
def warmup_ends_before_training(config):
    """The learning-rate warmup (or burn-in) ends well before num_steps.

    Catalogue: O-02

    Why: cutting num_steps from 25 000 to 1 000 but keeping warmup_steps: 2000 ends the
    run inside the warmup: the rate is still rising and never decays. The course's own log
    shows it (0.0147 at step 100, 0.0267 at step 1000, base 0.04).

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 1000
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 100
    """
    found = _schedule(config)
    steps = config.train.num_steps
    if found is None or not steps:
        return None
    path, name, schedule = found
    if name == "cosine_decay_learning_rate" and schedule.warmup_steps >= steps:
        last = cosine_rate(schedule, steps)
        return Finding(f"warmup_steps {schedule.warmup_steps} ≥ num_steps {steps}: training ends inside the warmup, "
                       f"at a rate of {last:.4g} on its way to {schedule.learning_rate_base:g}, never decaying",
                       field=f"{path}.warmup_steps",
                       hint=f"write warmup_steps: {max(1, steps // 10)} (about a tenth of num_steps)")
    if name == "exponential_decay_learning_rate" and schedule.burnin_steps >= steps:
        return Finding(f"burnin_steps {schedule.burnin_steps} ≥ num_steps {steps}: training ends during the burn-in",
                       field=f"{path}.burnin_steps", hint=f"write burnin_steps: {max(1, steps // 10)}")
    return None


@rule("PC502", "decay-covers-training", category="schedule")
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
    """
    found = _schedule(config, "cosine_decay_learning_rate")
    steps = config.train.num_steps
    if found is None or not steps:
        return None
    path, _, schedule = found
    if schedule.total_steps < steps:
        lost = steps - schedule.total_steps
        return Finding(f"total_steps {schedule.total_steps} < num_steps {steps}: the learning rate is 0 for the last "
                       f"{lost} steps, which train nothing", field=f"{path}.total_steps",
                       hint=f"write total_steps: {steps}", replacement=str(steps))
    return None


@rule("PC503", "decay-matches-training", category="schedule", severity="warning", fix="safe")
def decay_matches_training(config):
    """The cosine decay's total_steps is about num_steps, so the rate actually decays.

    Catalogue: O-02

    Why: with total_steps: 25000 kept and num_steps cut to 1000, the run stops at the top
    of the curve: the rate barely decays and the model ends on a large, noisy rate.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps: 25000
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps: 1000

    Fix: safe; writes total_steps = num_steps.
    """
    found = _schedule(config, "cosine_decay_learning_rate")
    steps = config.train.num_steps
    if found is None or not steps:
        return None
    path, _, schedule = found
    if schedule.total_steps <= steps * 1.1 or schedule.warmup_steps >= steps:
        return None
    final = cosine_rate(schedule, steps)
    share = final / schedule.learning_rate_base if schedule.learning_rate_base else 0
    return Finding(f"total_steps {schedule.total_steps} is far beyond num_steps {steps}: training stops with the "
                   f"rate still at {share:.0%} of its base ({final:.4g})", field=f"{path}.total_steps",
                   hint=f"write total_steps: {steps}", replacement=str(steps))


@rule("PC504", "warmup-rate-below-base", category="schedule")
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
    found = _schedule(config)
    if found is None:
        return None
    path, name, schedule = found
    if name == "cosine_decay_learning_rate" and schedule.warmup_learning_rate > schedule.learning_rate_base:
        return Finding(f"warmup_learning_rate {schedule.warmup_learning_rate:g} > learning_rate_base "
                       f"{schedule.learning_rate_base:g}: the first step fails", field=f"{path}.warmup_learning_rate",
                       hint="scale both rates by the same factor; the zoo's warmup rate is a third of the base")
    if name == "exponential_decay_learning_rate" and schedule.burnin_learning_rate > schedule.initial_learning_rate:
        return Finding(f"burnin_learning_rate {schedule.burnin_learning_rate:g} > initial_learning_rate "
                       f"{schedule.initial_learning_rate:g}: the first step fails", field=f"{path}.burnin_learning_rate",
                       hint="keep the burn-in rate at or below the initial rate")
    return None


@rule("PC505", "warmup-shorter-than-decay", category="schedule")
def warmup_shorter_than_decay(config):
    """warmup_steps (+ hold_base_rate_steps) is below total_steps.

    Catalogue: O-03, O-05

    Why: warmup_steps above total_steps fails the optimizer's build ("total_steps must be
    larger or equal to warmup_steps"); equal, the cosine divides by zero and the rate at
    that step is NaN, which can poison the weights without an error.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 1000
        expect train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 100
    """
    found = _schedule(config, "cosine_decay_learning_rate")
    if found is None:
        return None
    path, _, schedule = found
    warm = schedule.warmup_steps + schedule.hold_base_rate_steps
    if schedule.warmup_steps > schedule.total_steps:
        return Finding(f"warmup_steps {schedule.warmup_steps} > total_steps {schedule.total_steps}: the optimizer "
                       "cannot be built", field=f"{path}.warmup_steps", hint="make warmup_steps a tenth of total_steps")
    if warm == schedule.total_steps and schedule.total_steps:
        return Finding(f"warmup_steps + hold_base_rate_steps = total_steps = {schedule.total_steps}: the cosine "
                       "divides by zero and the rate becomes NaN at that step", field=f"{path}.warmup_steps",
                       hint="make warmup_steps a tenth of total_steps")
    return None


@rule("PC506", "manual-steps-increasing", category="schedule")
def manual_steps_increasing(config):
    """A manual_step_learning_rate schedule is non-empty and its steps are positive and increasing.

    Catalogue: O-06

    Why: the builder raises "Empty learning rate schedule", "First step cannot be zero" or
    "Entries in boundaries must be strictly increasing" when the optimizer is built; the
    OD API's own documentation sample starts at step 0.

    Bad:
        delete train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate
        train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.initial_learning_rate: 0.001
        train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.schedule[0].step: 0
        train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.schedule[0].learning_rate: 0.0002
        expect train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.schedule[0].step
    Good:
        delete train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate
        train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.initial_learning_rate: 0.001
        train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.schedule[0].step: 500
        train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.schedule[0].learning_rate: 0.0002
    """
    found = _schedule(config, "manual_step_learning_rate")
    if found is None:
        return None
    path, _, schedule = found
    if not schedule.schedule:
        return Finding("manual_step_learning_rate has no schedule entries: the optimizer cannot be built",
                       field=path, hint="add schedule { step: 500 learning_rate: 0.0002 }")
    previous = 0
    for index, entry in enumerate(schedule.schedule):
        if entry.step <= previous:
            problem = "the first step cannot be 0" if index == 0 else f"it does not come after step {previous}"
            return Finding(f"schedule[{index}] has step {entry.step}: {problem}", field=f"{path}.schedule[{index}].step",
                           hint="steps must be positive and strictly increasing")
        previous = entry.step
    return None


@rule("PC507", "num-steps-set", category="schedule")
def num_steps_set(config):
    """num_steps is set.

    Catalogue: O-08

    Why: num_steps 0 (or deleted) leaves model_lib_v2's train_steps at None unless
    --num_train_steps is given, and the training loop then fails with a TypeError after
    the model and the checkpoint are loaded.

    Bad:
        delete train_config.num_steps
    Good:
        train_config.num_steps: 1000
    """
    if config.train.num_steps > 0:
        return None
    return Finding("num_steps is not set: training fails after start-up unless --num_train_steps is given",
                   field="train_config.num_steps", hint="write num_steps: 1000 (what the course uses)")


@rule("PC508", "last-steps-saved", category="schedule", severity="warning")
def last_steps_saved(config):
    """num_steps is a multiple of the checkpoint interval (1000), so the end of training is saved.

    Catalogue: O-09

    Why: model_main_tf2.py saves a checkpoint at step 0 and then every
    --checkpoint_every_n steps (default 1000), with no final save: num_steps 800 leaves
    only the untrained step-0 checkpoint, 1200 loses the last 200 steps. The loop also runs
    in chunks of 100 steps, so 150 trains 200. `pipecheck train` passes a matching
    --checkpoint_every_n.

    Bad:
        train_config.num_steps: 800
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps: 800
        expect train_config.num_steps
    Good:
        train_config.num_steps: 1000
    """
    steps = config.train.num_steps
    if steps <= 0:
        cannot_decide("num_steps is not set (see PC507)")
    if steps % CHECKPOINT_EVERY_N == 0:
        return None
    saved = steps // CHECKPOINT_EVERY_N * CHECKPOINT_EVERY_N
    lost = f"only step {saved}'s checkpoint is kept" + (" (untrained)" if saved == 0 else "")
    return Finding(f"num_steps {steps} is not a multiple of model_main_tf2.py's checkpoint interval "
                   f"({CHECKPOINT_EVERY_N}): {lost} and the last {steps - saved} steps are lost",
                   field="train_config.num_steps",
                   hint=f"write num_steps: {saved + CHECKPOINT_EVERY_N}, or run with --checkpoint_every_n={steps}")


@rule("PC509", "learning-rate-scaled-to-batch", category="schedule", severity="warning")
def learning_rate_scaled_to_batch(config, original):
    """The learning rate was scaled down when batch_size was cut from the zoo's.

    Catalogue: O-07

    Why: zoo rates are tuned for batch 64 to 512. Kept with batch 1 to 8, each update
    follows a few images with the full rate: the loss jumps and can turn NaN, and TF2 does
    not stop on NaN. The usual rule is linear: rate × new batch / zoo batch.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.04
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.005
    """
    if original is None:
        cannot_decide("no original config to compare the batch size and rate with")
    mine, theirs = _schedule(config), _schedule(original)
    if mine is None or theirs is None or mine[1] != theirs[1]:
        return None
    rate, zoo_rate = _base_rate(mine[1], mine[2]), _base_rate(theirs[1], theirs[2])
    batch, zoo_batch = config.train.batch_size, original.train.batch_size
    if rate is None or zoo_batch < 8 * batch or abs(rate - zoo_rate) > 1e-9 * max(rate, 1e-12):
        return None
    scaled = zoo_rate * batch / zoo_batch
    field = {"cosine_decay_learning_rate": "learning_rate_base", "constant_learning_rate": "learning_rate"}.get(
        mine[1], "initial_learning_rate")
    return Finding(f"batch_size went from {zoo_batch} to {batch} but the rate stayed at the zoo's {rate:g}: "
                   "updates will be noisy and the loss may diverge", field=f"{mine[0]}.{field}",
                   hint=f"try {field}: {scaled:.3g} (linear scaling; scale the warmup rate the same way)")
