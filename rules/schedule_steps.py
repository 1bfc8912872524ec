"""Rules about num_steps and the steps a schedule names: set, increasing, saved at the end."""

from pipecheck import N_, Finding, _, cannot_decide, option, rule

from ._schedule import SCHEDULE_FITS

CODES = ("PC506", "PC508")


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
    found = config.learning_rate("manual_step_learning_rate")
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
def num_steps_set(config, project):
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
    if (config.num_steps or 0) > 0:
        return None
    return Finding(
        _("num_steps is not set: training fails after start-up unless --num_train_steps is given"),
        field="train_config.num_steps",
        hint=_num_steps_hint(config, project),
    )


def _num_steps_hint(config, project) -> str:
    """The steps the config's own cosine schedule ends at, the course's 1000 in its layout, else no number."""
    cosine = config.learning_rate("cosine_decay_learning_rate")
    if cosine is not None and cosine[2].total_steps > 0:
        return _("write num_steps: {steps} (the cosine schedule's total_steps)", steps=cosine[2].total_steps)
    if project.layout.startswith("course"):
        return _("write num_steps: 1000 (what the course uses)")
    return _("write num_steps in train_config: the number of steps to train")


@rule(
    "PC508",
    "last-steps-saved",
    category="schedule",
    severity="warning",
    checklist=SCHEDULE_FITS,
    options={
        "checkpoint_every_n": option(
            1000, N_("the --checkpoint_every_n model_main_tf2.py runs with (its default: 1000)"), minimum=1
        )
    },
)
def last_steps_saved(config, checkpoint_every_n):
    """num_steps is a multiple of the checkpoint interval (1000, checkpoint_every_n), so the end of training is saved.

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
    steps = config.num_steps or 0
    if steps <= 0:
        cannot_decide(_("num_steps is not set (see PC507)"))
    if steps % checkpoint_every_n == 0:
        return None
    saved = steps // checkpoint_every_n * checkpoint_every_n
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
            interval=checkpoint_every_n,
            kept=kept,
            lost=steps - saved,
        ),
        field="train_config.num_steps",
        hint=_(
            "write num_steps: {value}, run model_main_tf2.py with --checkpoint_every_n={steps}, or "
            "train with pipecheck train (it always saves the last step)",
            value=saved + checkpoint_every_n,
            steps=steps,
        ),
    )
