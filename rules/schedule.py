"""Rules about num_steps and the learning-rate schedule.

The zoo's schedules were written for 25 000+ steps at batch 64-512; fine-tuning cuts num_steps
and batch_size and usually leaves the schedule as it was.
"""

from pipecheck import N_, Finding, _, cannot_decide, rule
from pipecheck.rulekit import base_rate, cosine_rate, describe_others, scaled_to_batch, suggested_cosine

# The review's sign-off items these rules pre-fill.
SCHEDULE_FITS = N_("The learning-rate schedule fits num_steps")

_COSINE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
CHECKPOINT_EVERY_N = 1000  # model_main_tf2.py's default --checkpoint_every_n


def _schedule(config, kind: str | None = None):
    found = config.learning_rate()
    if found is None or (kind is not None and found[1] != kind):
        return None
    return found


def _part_of(suggestion, field: str) -> str:
    """What else the one suggested schedule changes, so each finding shows the whole of it."""
    others = describe_others(suggestion or {}, field)
    return _("; with {others}: one schedule, which pipecheck fix --unsafe writes", others=others) if others else ""


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
    found = _schedule(config)
    steps = config.train.num_steps
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
    found = _schedule(config, "cosine_decay_learning_rate")
    steps = config.train.num_steps
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
        )
    return None


@rule("PC503", "decay-matches-training", category="schedule", severity="warning", fix="safe", checklist=SCHEDULE_FITS)
def decay_matches_training(config, original):
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
    path, _name, schedule = found
    if schedule.total_steps <= steps * 1.1:
        return None
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
    found = _schedule(config)
    if found is None:
        return None
    path, name, schedule = found
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
    found = _schedule(config, "cosine_decay_learning_rate")
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
    if warm == schedule.total_steps and schedule.total_steps and config.train.num_steps > schedule.total_steps:
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


@rule("PC506", "manual-steps-increasing", category="schedule", checklist=SCHEDULE_FITS)
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
    path, _name, schedule = found
    if not schedule.schedule:
        return Finding(
            _("manual_step_learning_rate has no schedule entries: the optimizer cannot be built"),
            field=path,
            hint=_("add schedule {{ step: 500 learning_rate: 0.0002 }}"),
        )
    previous = 0
    for index, entry in enumerate(schedule.schedule):
        if entry.step <= previous:
            problem = (
                _("the first step cannot be 0")
                if index == 0
                else _("it does not come after step {previous}", previous=previous)
            )
            return Finding(
                _("schedule[{index}] has step {step}: {problem}", index=index, step=entry.step, problem=problem),
                field=f"{path}.schedule[{index}].step",
                hint=_("steps must be positive and strictly increasing"),
            )
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
    return Finding(
        _("num_steps is not set: training fails after start-up unless --num_train_steps is given"),
        field="train_config.num_steps",
        hint=_("write num_steps: 1000 (what the course uses)"),
    )


@rule("PC508", "last-steps-saved", category="schedule", severity="warning", checklist=SCHEDULE_FITS)
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
        cannot_decide(_("num_steps is not set (see PC507)"))
    if steps % CHECKPOINT_EVERY_N == 0:
        return None
    saved = steps // CHECKPOINT_EVERY_N * CHECKPOINT_EVERY_N
    kept = (
        _("only step 0's checkpoint (untrained) is kept")
        if saved == 0
        else _("only step {saved}'s checkpoint is kept", saved=saved)
    )
    return Finding(
        _(
            "num_steps {steps} is not a multiple of model_main_tf2.py's checkpoint interval ({interval}): "
            "{kept} and the last {lost} steps are lost",
            steps=steps,
            interval=CHECKPOINT_EVERY_N,
            kept=kept,
            lost=steps - saved,
        ),
        field="train_config.num_steps",
        hint=_(
            "write num_steps: {value}, run model_main_tf2.py with --checkpoint_every_n={steps}, or "
            "train with pipecheck train (it always saves the last step)",
            value=saved + CHECKPOINT_EVERY_N,
            steps=steps,
        ),
    )


@rule("PC509", "learning-rate-scaled-to-batch", category="schedule", severity="warning", fix="unsafe")
def learning_rate_scaled_to_batch(config, original):
    """The learning rate was scaled down when batch_size was cut from the zoo's.

    Catalogue: O-07

    Why: zoo rates are tuned for batch 64 to 512. Kept with batch 1 to 8, each update
    follows a few images with the full rate: the loss jumps and can turn NaN, and TF2 does
    not stop on NaN. The usual rule is linear: rate × new batch / zoo batch, the warmup
    rate with it (alone, the base would fall below the warmup rate and fail the first step).

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.04
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.005

    Fix: unsafe (a training choice); writes the linearly scaled rates of the one schedule
    PC501 and PC503 complete.
    """
    if original is None:
        cannot_decide(_("no original config to compare the batch size and rate with"))
    factor = scaled_to_batch(config, original)
    if factor is None:
        return
    path, name, schedule = _schedule(config)
    rate = base_rate(name, schedule)
    batch, zoo_batch = config.train.batch_size, original.train.batch_size
    rate_field = {"cosine_decay_learning_rate": "learning_rate_base", "constant_learning_rate": "learning_rate"}.get(
        name, "initial_learning_rate"
    )
    field = f"{path}.{rate_field}"
    suggestion = suggested_cosine(config, original) or {field: f"{rate * factor:.3g}"}
    yield Finding(
        _(
            "batch_size went from {zoo} to {batch} but the rate stayed at the zoo's {rate:g}: updates will be "
            "noisy and the loss may diverge",
            zoo=zoo_batch,
            batch=batch,
            rate=rate,
        ),
        field=field,
        hint=_("try {field}: {value} (linear scaling)", field=rate_field, value=suggestion[field])
        + _part_of(suggestion, field),
        replacement=suggestion[field],
    )
    warmup_field = f"{path}.warmup_learning_rate"
    if warmup_field in suggestion:
        yield Finding(
            _(
                "warmup_learning_rate {warmup:g} must come down with learning_rate_base: the warmup starts at or "
                "below the base rate",
                warmup=schedule.warmup_learning_rate,
            ),
            field=warmup_field,
            hint=_("write warmup_learning_rate: {value}", value=suggestion[warmup_field])
            + _part_of(suggestion, warmup_field),
            replacement=suggestion[warmup_field],
        )
