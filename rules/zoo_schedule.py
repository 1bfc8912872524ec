"""The learning rate judged against the zoo network's own settings when its config is not beside the project."""

from pipecheck import Finding, _, rule
from pipecheck.rulekit import base_rate, zoo_network

CODES = ("PC526", "PC599")
_CUT = 8  # a batch this many times smaller than the zoo's, as PC509 (odapi.schedules.scaled_to_batch)
# Published tutorials that keep a zoo network's rate and warmup at a smaller batch and train working
# detectors: at that batch or a larger one the unscaled rate is advice, for -v.
PUBLISHED_RUNS = {
    "ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8": (4, "TFODCourse (nicknochnack/TFODCourse)"),
    "ssd_efficientdet_d0_512x512_coco17_tpu-8": (16, "Roboflow's EfficientDet-D0 notebook"),
    "ssd_resnet50_v1_fpn_640x640_coco17_tpu-8": (8, "the TF2 Object Detection API tutorial (readthedocs)"),
}
# Zoo configs that are a published run's config but for the resizer's size: the SSD loss is divided by the
# batch's matched anchors (ssd_meta_arch.loss, normalize_loss_by_num_matches in both), so the input size does
# not change the size of a step, and the run speaks for them too.
SAME_BUT_THE_SIZE = {"ssd_mobilenet_v2_fpnlite_640x640_coco17_tpu-8": "ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8"}


@rule("PC526", "zoo-rate-scaled-without-original", category="schedule", severity="warning")
def zoo_rate_scaled_without_original(config, original):
    """Without the zoo's config beside the project, the zoo network's rate is not kept at a much smaller batch.

    Catalogue: O-07

    Why: PC509 compares the rate and batch with the zoo's pipeline.config found beside the
    project; a published repository or a notebook rarely has it, and PC509 stays undecided
    on exactly the configs that keep the zoo's rate (13 of the 22 bugs an expert found on 30
    unseen configs). The network is recognised from the model block (meta-architecture,
    feature extractor, resizer size) in a table generated from the TF2 zoo's 47 configs
    (scripts/zoo_networks.py); when the config keeps that network's base rate with a batch
    at least 8 times smaller, updates follow a few images at the full rate: the loss jumps
    and can turn NaN, which TF2 does not stop on. Linear scaling is the usual remedy; it is
    the rule for momentum SGD (the zoo's Faster R-CNN, SSD and EfficientDet), so Adam
    configs (CenterNet) are left alone. Where a published tutorial trains the same network
    with the zoo's rate and warmup at this batch or a larger one and gets working detectors
    (FPNLite 320 at 4 in TFODCourse, EfficientDet-D0 at 16 in Roboflow's notebook, SSD
    ResNet-50 FPN 640 at 8 in the TF2 tutorial), the loss is not known to diverge: the
    finding, with its scaled rate, is an info for -v. FPNLite 640 too: its zoo config is the
    320 one but for the resizer, and the SSD loss is a mean over matched anchors.

    Bad:
        rm pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/pipeline.config
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.04
    Good:
        rm pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/pipeline.config
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.005
    Bad (FPNLite 640 below the batch of the published run of its 320 twin):
        base ssd
        rm pre-trained/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/pipeline.config
        model.ssd.image_resizer.fixed_shape_resizer.height: 640
        model.ssd.image_resizer.fixed_shape_resizer.width: 640
        train_config.batch_size: 2
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.08
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_learning_rate: 0.026666
        expect train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base
    Good (FPNLite 640 at that batch: an info for -v):
        base ssd
        rm pre-trained/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/pipeline.config
        model.ssd.image_resizer.fixed_shape_resizer.height: 640
        model.ssd.image_resizer.fixed_shape_resizer.width: 640
        train_config.batch_size: 4
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.08
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_learning_rate: 0.026666
    """
    if original is not None:
        return None  # PC509 compares with the zoo's own file
    network = zoo_network(config)
    found = config.learning_rate()
    if network is None or found is None:
        return None
    name, row = network
    if row["optimizer"] != "momentum_optimizer":
        return None  # the linear rule is SGD's; Adam's rate depends far less on the batch
    path, schedule_name, schedule = found
    rate, batch = base_rate(schedule_name, schedule), config.train.batch_size
    if rate is None or row["rate"] is None or batch * _CUT > row["batch_size"]:
        return None
    if abs(float(f"{rate:.7g}") - row["rate"]) > 1e-9 * row["rate"]:
        return None  # the user chose another rate: PC510 judges its range
    factor = batch / row["batch_size"]
    rate_field = {"cosine_decay_learning_rate": "learning_rate_base", "constant_learning_rate": "learning_rate"}.get(
        schedule_name, "initial_learning_rate"
    )
    hint = _("try {field}: {value:.3g} (linear scaling)", field=rate_field, value=rate * factor)
    if row["warmup_rate"] and abs(float(f"{schedule.warmup_learning_rate:.7g}") - row["warmup_rate"]) <= 1e-9:
        hint += _(" and warmup_learning_rate: {value:.3g}", value=schedule.warmup_learning_rate * factor)
    published = published_run(name, batch, schedule_name, schedule)
    if published:
        message = _published(rate, name, row["batch_size"], published, batch)
        return Finding(message, field=f"{path}.{rate_field}", hint=hint, severity="info", tier="detail")
    message = _(
        "{rate:g} is the zoo's rate for {network} at batch {zoo_batch}; at batch_size {batch} the loss may diverge",
        batch=batch,
        rate=rate,
        network=name,
        zoo_batch=row["batch_size"],
    )
    return Finding(message, field=f"{path}.{rate_field}", hint=hint)


def published_run(network: str, batch: int, schedule_name: str, schedule) -> tuple[int, str] | None:
    """The published run of this network (or its twin but for the size) at this batch or a smaller one, warmup
    kept; None if there is none."""
    run = PUBLISHED_RUNS.get(SAME_BUT_THE_SIZE.get(network, network))
    warmup = schedule_name == "cosine_decay_learning_rate" and schedule.warmup_steps > 0
    return run if run is not None and warmup and batch >= run[0] else None


def _published(rate: float, network: str, zoo_batch: int, published: tuple[int, str], batch: int) -> str:
    """The info's message: which published run trains this network (or its twin) at which batch."""
    if network in SAME_BUT_THE_SIZE:
        return _(
            "{rate:g} is the zoo's rate for {network} at batch {zoo_batch}; {source} trains {twin}, the same "
            "config but for the input size (which leaves a step's size alone: the SSD loss is a mean over "
            "matched anchors), so at batch {published}, and batch_size is {batch}",
            batch=batch,
            rate=rate,
            network=network,
            zoo_batch=zoo_batch,
            source=published[1],
            twin=SAME_BUT_THE_SIZE[network],
            published=published[0],
        )
    return _(
        "{rate:g} is the zoo's rate for {network} at batch {zoo_batch}; {source} trains it so at batch "
        "{published}, and batch_size is {batch}",
        batch=batch,
        rate=rate,
        network=network,
        zoo_batch=zoo_batch,
        source=published[1],
        published=published[0],
    )
