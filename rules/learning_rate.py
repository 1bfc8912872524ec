"""Rules about the learning rate itself: scaled to the batch, in the zoo's range, decaying within training."""

import math

from pipecheck import N_, Finding, _, cannot_decide, option, rule
from pipecheck.rulekit import base_rate, rate_at, scaled_to_batch, suggested_cosine, zoo_network

from ._schedule import SCHEDULE_CAUSE, _part_of
from .model import TF2_FEATURE_EXTRACTORS
from .zoo_schedule import published_run

CODES = ("PC509", "PC524")

# The highest rate the TF2 zoo gives each optimizer, and the batch it is set for (configs/tf2):
# momentum 0.04-0.08 at batch 64-512 (Faster R-CNN, SSD, EfficientDet), Adam 1e-3 at batch 128
# (CenterNet, the keypoint configs); RMSProp 0.004 at batch 24 in the TF1 zoo's SSD configs.
ZOO_RATES = {"momentum_optimizer": (0.08, 512), "adam_optimizer": (1e-3, 128), "rms_prop_optimizer": (0.004, 24)}
# Networks the zoo trains at another rate: CenterNet MobileNet V2 FPN, Adam 5e-3 at batch 512
# (centernet_mobilenetv2fpn_512x512_coco17_*.config).
ZOO_RATES_BY_EXTRACTOR = {("adam_optimizer", "mobilenet_v2_fpn"): (5e-3, 512)}


def _peak_rate(name: str, schedule) -> float | None:
    values = {
        "cosine_decay_learning_rate": lambda s: [s.learning_rate_base, s.warmup_learning_rate],
        "exponential_decay_learning_rate": lambda s: [s.initial_learning_rate],
        "manual_step_learning_rate": lambda s: [s.initial_learning_rate] + [p.learning_rate for p in s.schedule],
        "constant_learning_rate": lambda s: [s.learning_rate],
    }.get(name)
    rates = values(schedule) if values else []
    return max(rates) if rates and all(math.isfinite(r) for r in rates) else None  # inf, nan: PC014's


@rule("PC509", "learning-rate-scaled-to-batch", category="schedule", severity="warning", fix="unsafe")
def learning_rate_scaled_to_batch(config, original):
    """The learning rate was scaled down when batch_size was cut from the zoo's.

    Catalogue: O-07

    Why: zoo rates are tuned for batch 64 to 512. Kept with batch 1 to 8, each update
    follows a few images with the full rate: the loss jumps and can turn NaN, and TF2 does
    not stop on NaN. The usual rule is linear: rate × new batch / zoo batch, the warmup
    rate with it (alone, the base would fall below the warmup rate and fail the first step).
    The linear rule is established for momentum (SGD) only: an Adam rate is not scaled
    with the batch, and PC510 says when it is outside the zoo's range. Its findings and
    PC501/PC502/PC503's are one cause, the schedule: one finding, the others under it.
    Where a published tutorial trains the network so (PC526's list), they are infos for -v.

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
    path, name, schedule = config.learning_rate()
    rate = base_rate(name, schedule)
    batch, zoo_batch = config.batch_size, original.batch_size
    rate_field = {"cosine_decay_learning_rate": "learning_rate_base", "constant_learning_rate": "learning_rate"}.get(
        name, "initial_learning_rate"
    )
    field = f"{path}.{rate_field}"
    suggestion = suggested_cosine(config, original) or {field: f"{rate * factor:.3g}"}
    network = zoo_network(config)
    advice = network and published_run(network[0], batch, name, schedule)  # PC526's published runs: -v
    tiers = {"severity": "info", "tier": "detail"} if advice else {}
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
        cause=SCHEDULE_CAUSE,
        **tiers,
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
            cause=SCHEDULE_CAUSE,
            **tiers,
        )


@rule(
    "PC510",
    "learning-rate-in-usual-range",
    category="schedule",
    severity="warning",
    options={  # times the zoo's highest rate for the optimizer
        "too_high": option(2.0, N_("a peak rate above this many times the zoo's is too high"), exclusiveMinimum=0),
        "too_low": option(0.001, N_("a peak rate below this many times the zoo's is too low"), minimum=0),
    },
)
def learning_rate_in_usual_range(config, too_high, too_low):
    """The peak learning rate is within the range the TF2 zoo uses for its optimizer.

    Catalogue: O-07

    Why: each optimizer has its own scale. The TF2 zoo trains with momentum at 0.04-0.08
    (batch 64-512) and with Adam at 1e-3 (CenterNet, batch 128); fine-tuning on a small
    batch wants less, never more. Adam at 1e-2 is 10x the zoo's rate for a batch 64x
    larger: the loss jumps or turns NaN, and the pre-trained features are wiped out in the
    first steps. A rate a thousand times below the zoo's barely moves the weights. Source:
    the learning_rate blocks of configs/tf2 (and Kingma & Ba's Adam default, 1e-3). A TF1
    feature extractor is no TF2 zoo network: its rate is its TF1 sample's (MobileDet trains
    at 0.8 with batch 512), PC021 names the TF2 config to start from, and this rule cannot
    decide.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.4
    Bad (Adam):
        text: model { ssd { num_classes: 2 } } train_config { batch_size: 2 num_steps: 1000 optimizer { adam_optimizer { learning_rate { constant_learning_rate { learning_rate: 0.01 } } } } }
        expect train_config.optimizer.adam_optimizer.learning_rate.constant_learning_rate.learning_rate
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.005
    """
    found = config.learning_rate()
    if found is None:
        return None
    path, name, schedule = found
    optimizer = path.split(".")[2]
    peak = _peak_rate(name, schedule)
    if optimizer not in ZOO_RATES or not peak:
        return None
    zoo, zoo_batch = _zoo_rate(config, optimizer)
    field = f"{path}.{'learning_rate_base' if name == 'cosine_decay_learning_rate' else _rate_field(name)}"
    scaled = zoo * max(config.batch_size, 1) / zoo_batch  # the zoo's rate at this batch, both hints' start
    if peak > too_high * zoo:
        return Finding(
            _(
                "{optimizer} at {rate:g} is {ratio:.0f}x the TF2 zoo's highest rate for it ({zoo:g}, at batch "
                "{zoo_batch}): expect the loss to jump or turn NaN and the pre-trained features to be lost",
                optimizer=optimizer,
                rate=peak,
                ratio=peak / zoo,
                zoo=zoo,
                zoo_batch=zoo_batch,
            ),
            field=field,
            hint=_(
                "start from {value:g} or below (the zoo's rate scaled to your batch of {batch})",
                value=scaled,
                batch=config.batch_size,
            ),
        )
    if peak < too_low * zoo:
        return Finding(
            _(
                "{optimizer} at {rate:g} is {ratio:.0f}x below the TF2 zoo's rate for it ({zoo:g}): the weights "
                "barely move",
                optimizer=optimizer,
                rate=peak,
                ratio=zoo / peak,
                zoo=zoo,
            ),
            field=field,
            hint=_(
                "start from {value:g} (the zoo's rate scaled to your batch of {batch})",
                value=scaled,
                batch=config.batch_size,
            ),
        )
    return None


def _zoo_rate(config, optimizer: str) -> tuple[float, int]:
    """The TF2 zoo's highest rate for this optimizer and network, and its batch; undecided for a TF1 network."""
    extractor = config.feature_extractor_type()
    tf2 = TF2_FEATURE_EXTRACTORS.get(config.arch)
    if extractor and tf2 is not None and config.arch != "center_net" and extractor not in tf2:
        cannot_decide(
            _("{kind} is a TF1 feature extractor: the TF2 zoo's rates are not its own (see PC021)", kind=extractor)
        )
    by_extractor = (
        rate
        for (opt, prefix), rate in ZOO_RATES_BY_EXTRACTOR.items()
        if opt == optimizer and extractor.startswith(prefix)
    )
    return next(by_extractor, ZOO_RATES[optimizer])


def _rate_field(name: str) -> str:
    return {"constant_learning_rate": "learning_rate"}.get(name, "initial_learning_rate")


@rule("PC511", "decay-acts-within-training", category="schedule", severity="warning")
def decay_acts_within_training(config):
    """An exponential (staircase) or manual-step schedule changes the rate before num_steps.

    Catalogue: O-02 (the same cut of num_steps, for the exponential and manual-step schedules)

    Why: TF1 tutorials decay every 800 000 steps (ssd_mobilenet_v1_pets: decay_steps
    800720) or at step 900 000 (faster_rcnn_*_pets: schedule { step: 900000 }); with
    num_steps cut to a few thousand the schedule never acts and the whole run trains at
    the initial rate, the one meant for the first hours of a long run. Source:
    learning_schedules.py (exponential_decay_with_burnin, manual_stepping).

    Bad:
        append: train_config { optimizer { momentum_optimizer { learning_rate { manual_step_learning_rate { initial_learning_rate: 0.002 schedule { step: 900000 learning_rate: 0.0002 } } } } } }
        expect train_config.optimizer.momentum_optimizer.learning_rate.manual_step_learning_rate.schedule[0].step
    Bad (exponential):
        text: model { ssd { num_classes: 2 } } train_config { batch_size: 2 num_steps: 5000 optimizer { rms_prop_optimizer { learning_rate { exponential_decay_learning_rate { initial_learning_rate: 0.004 decay_steps: 800720 decay_factor: 0.95 } } } } }
        expect train_config.optimizer.rms_prop_optimizer.learning_rate.exponential_decay_learning_rate.decay_steps
    Good:
        append: train_config { optimizer { momentum_optimizer { learning_rate { manual_step_learning_rate { initial_learning_rate: 0.002 schedule { step: 800 learning_rate: 0.0002 } } } } } }
    """
    found = config.learning_rate()
    steps = config.num_steps
    if found is None or not steps:
        return None
    path, name, schedule = found
    if name == "exponential_decay_learning_rate" and schedule.staircase and schedule.decay_steps >= steps:
        return Finding(
            _(
                "decay_steps {decay} ≥ num_steps {steps}: the staircase decay never acts, the whole run trains at "
                "{rate:g}",
                decay=schedule.decay_steps,
                steps=steps,
                rate=rate_at(name, schedule, steps),
            ),
            field=f"{path}.decay_steps",
            hint=_("write decay_steps: {value} (a few decays within num_steps)", value=max(1, steps // 5)),
        )
    if name == "manual_step_learning_rate" and schedule.schedule and all(p.step >= steps for p in schedule.schedule):
        return Finding(
            _(
                "every step of the manual schedule is at or after num_steps {steps} (the first at {first}): the "
                "rate never changes from {rate:g}",
                steps=steps,
                first=min(p.step for p in schedule.schedule),
                rate=schedule.initial_learning_rate,
            ),
            field=f"{path}.schedule[0].step",
            hint=_("move the steps within num_steps (e.g. at {a} and {b})", a=steps * 2 // 3, b=steps * 9 // 10),
        )
    return None


@rule("PC512", "decay-steps-positive", category="schedule")
def decay_steps_positive(config):
    """An exponential decay's decay_steps is above 0.

    Catalogue: O-06

    Why: the decay computes initial_learning_rate x decay_factor^(step / decay_steps)
    (learning_schedules.py exponential_decay_with_burnin, through tf.train.exponential_decay):
    with decay_steps 0 the first step divides 0 by 0 and its rate is NaN, which turns every
    weight NaN at the first update, and every later step's rate is 0 (checked with
    TensorFlow 2.15: NaN at step 0, 0.0 at steps 1 and 500). Nothing stops the training.

    Bad:
        text: model { ssd { num_classes: 2 } } train_config { batch_size: 2 num_steps: 5000 optimizer { rms_prop_optimizer { learning_rate { exponential_decay_learning_rate { initial_learning_rate: 0.004 decay_steps: 0 decay_factor: 0.95 } } } } }
        expect train_config.optimizer.rms_prop_optimizer.learning_rate.exponential_decay_learning_rate.decay_steps
    Good:
        text: model { ssd { num_classes: 2 } } train_config { batch_size: 2 num_steps: 5000 optimizer { rms_prop_optimizer { learning_rate { exponential_decay_learning_rate { initial_learning_rate: 0.004 decay_steps: 1000 decay_factor: 0.95 } } } } }
        option --select PC512
    """
    found = config.learning_rate("exponential_decay_learning_rate")
    if found is None:
        return None
    path, _name, schedule = found
    if schedule.decay_steps > 0:
        return None
    return Finding(
        _("decay_steps is 0: the first step's rate is NaN (0 / 0 in the decay), and every later one is 0"),
        field=f"{path}.decay_steps",
        hint=_(
            "write decay_steps: {value} (a few decays within num_steps)", value=max(1, (config.num_steps or 5000) // 5)
        ),
    )
