"""Choices that train without an error and quietly give a worse model: rate, decay, flips, eval threshold."""

import re

from pipecheck import Finding, _, rule
from pipecheck.rulekit import rate_at

# The highest rate the TF2 zoo gives each optimizer, and the batch it is set for (configs/tf2):
# momentum 0.04-0.08 at batch 64-512 (Faster R-CNN, SSD, EfficientDet), Adam 1e-3 at batch 128
# (CenterNet, the keypoint configs); RMSProp 0.004 at batch 24 in the TF1 zoo's SSD configs.
ZOO_RATES = {"momentum_optimizer": (0.08, 512), "adam_optimizer": (1e-3, 128), "rms_prop_optimizer": (0.004, 24)}
# Networks the zoo trains at another rate: CenterNet MobileNet V2 FPN, Adam 5e-3 at batch 512
# (centernet_mobilenetv2fpn_512x512_coco17_*.config).
ZOO_RATES_BY_EXTRACTOR = {("adam_optimizer", "mobilenet_v2_fpn"): (5e-3, 512)}
_TOO_HIGH, _TOO_LOW = 2.0, 1e-3  # times the zoo's highest rate
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _names_a_side(name: str) -> bool:
    """'left_hand', 'turnRight', 'Left', 'right-arrow'; not 'bright' or 'leftover'."""
    return any(word.lower() in ("left", "right") for word in _WORDS.findall(name or ""))


def _peak_rate(name: str, schedule) -> float | None:
    values = {
        "cosine_decay_learning_rate": lambda s: [s.learning_rate_base, s.warmup_learning_rate],
        "exponential_decay_learning_rate": lambda s: [s.initial_learning_rate],
        "manual_step_learning_rate": lambda s: [s.initial_learning_rate] + [p.learning_rate for p in s.schedule],
        "constant_learning_rate": lambda s: [s.learning_rate],
    }.get(name)
    return max(values(schedule)) if values else None


@rule("PC510", "learning-rate-in-usual-range", category="schedule", severity="warning")
def learning_rate_in_usual_range(config):
    """The peak learning rate is within the range the TF2 zoo uses for its optimizer.

    Catalogue: O-07

    Why: each optimizer has its own scale. The TF2 zoo trains with momentum at 0.04-0.08
    (batch 64-512) and with Adam at 1e-3 (CenterNet, batch 128); fine-tuning on a small
    batch wants less, never more. Adam at 1e-2 is 10x the zoo's rate for a batch 64x
    larger: the loss jumps or turns NaN, and the pre-trained features are wiped out in the
    first steps. A rate a thousand times below the zoo's barely moves the weights. Source:
    the learning_rate blocks of configs/tf2 (and Kingma & Ba's Adam default, 1e-3).

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
    extractor = config.feature_extractor_type()
    zoo, zoo_batch = next(
        (
            rate
            for (opt, prefix), rate in ZOO_RATES_BY_EXTRACTOR.items()
            if opt == optimizer and extractor.startswith(prefix)
        ),
        ZOO_RATES[optimizer],
    )
    field = f"{path}.{'learning_rate_base' if name == 'cosine_decay_learning_rate' else _rate_field(name)}"
    if peak > _TOO_HIGH * zoo:
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
                value=zoo * max(config.train.batch_size, 1) / zoo_batch,
                batch=config.train.batch_size,
            ),
        )
    if peak < _TOO_LOW * zoo:
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
                value=zoo * max(config.train.batch_size, 1) / zoo_batch,
                batch=config.train.batch_size,
            ),
        )
    return None


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
    steps = config.train.num_steps
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


@rule("PC613", "eval-keeps-low-scores", category="eval", severity="warning")
def eval_keeps_low_scores(config):
    """The post-processing score_threshold keeps low-scoring detections, as COCO evaluation needs.

    Catalogue: none yet (found on published configs, issue 9)

    Why: COCO mAP averages precision over every recall level, reached by the detections
    ranked down to the lowest scores. A score_threshold of 0.3 or 0.5 (set to get clean
    pictures) cuts the precision-recall curve short, so evaluation reports a lower mAP than
    the model has. The zoo keeps 1e-8 (0.0 for Faster R-CNN); filter by score where the
    exported model is used instead. Source: pycocotools COCOeval (maxDets 100 per image,
    ranked by score), configs/tf2.

    Bad:
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.score_threshold: 0.5
    Good:
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.score_threshold: 0.0
    """
    arch = config.arch
    block = {"ssd": "post_processing", "faster_rcnn": "second_stage_post_processing"}.get(arch)
    if block is None:
        return None
    metrics = list(config.message.eval_config.metrics_set) or ["coco_detection_metrics"]
    if not any(m.startswith("coco") for m in metrics):
        return None
    threshold = getattr(config.model, block).batch_non_max_suppression.score_threshold
    if threshold < 0.1:
        return None
    return Finding(
        _(
            "score_threshold {value:g} drops every detection scoring below it: COCO mAP, which averages "
            "precision up to full recall, comes out lower than the model's",
            value=threshold,
        ),
        field=f"model.{arch}.{block}.batch_non_max_suppression.score_threshold",
        hint=_("write score_threshold: 1e-8 and filter by score where the exported model is used"),
    )


@rule("PC112", "flip-keeps-sides", category="label-map", severity="warning")
def flip_keeps_sides(config, label_map):
    """random_horizontal_flip is not used with classes (or keypoints) that name a side.

    Catalogue: none yet (found on published configs, issue 9)

    Why: random_horizontal_flip mirrors the image and its boxes but keeps every class: a
    flipped 'left' arrow, hand or turn sign is still labelled 'left' while it now points
    right, so half of the training examples of each side teach the other side. Keypoints
    named left_*/right_* need a keypoint_flip_permutation that swaps them. Source:
    core/preprocessor.py random_horizontal_flip (labels untouched, keypoints permuted
    only by keypoint_flip_permutation).

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'left_hand' } item { id: 2 name: 'right_hand' }
        train_config.data_augmentation_options[0].random_horizontal_flip.probability: 0.5
        expect train_config.data_augmentation_options[0].random_horizontal_flip
    Bad (keypoints):
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' keypoints { id: 0 label: 'left_eye' } keypoints { id: 1 label: 'right_eye' } } item { id: 2 name: 'two' }
        train_config.data_augmentation_options[0].random_horizontal_flip.probability: 0.5
        expect train_config.data_augmentation_options[0].random_horizontal_flip
    Good:
        train_config.data_augmentation_options[0].random_horizontal_flip.probability: 0.5
    """
    for index, option in enumerate(config.train.data_augmentation_options):
        if option.WhichOneof("preprocessing_step") != "random_horizontal_flip":
            continue
        field = f"train_config.data_augmentation_options[{index}].random_horizontal_flip"
        sided = [
            item.name or item.display_name
            for item in label_map.items
            if _names_a_side(item.name) or _names_a_side(item.display_name)
        ]
        if sided:
            yield Finding(
                _(
                    "random_horizontal_flip mirrors the images but keeps the classes: a flipped {names} shows "
                    "the other side and keeps its label",
                    names=" / ".join(repr(n) for n in sided[:4]),
                ),
                field=field,
                hint=_("delete this data_augmentation_options block"),
            )
        keypoints = [
            k.label for item in label_map.located.message.item for k in item.keypoints if _names_a_side(k.label)
        ]
        if keypoints and not option.random_horizontal_flip.keypoint_flip_permutation:
            yield Finding(
                _(
                    "keypoints {names} name a side but random_horizontal_flip has no keypoint_flip_permutation: "
                    "flipped images keep left keypoints on the right",
                    names=", ".join(keypoints[:4]),
                ),
                field=field,
                hint=_("add keypoint_flip_permutation with the index of each keypoint's mirror"),
            )
