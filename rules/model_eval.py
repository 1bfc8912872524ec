"""Rules about evaluation settings and how the model meets its checkpoint and its readers."""

import difflib

from pipecheck import Finding, _, cannot_decide, rule

CODES = ("PC608", "PC613")

# eval_util.py EVAL_METRICS_CLASS_DICT (OD API 2.8).
METRICS_SETS = {
    "coco_detection_metrics",
    "coco_keypoint_metrics",
    "coco_mask_metrics",
    "coco_panoptic_metrics",
    "lvis_mask_metrics",
    "oid_challenge_detection_metrics",
    "oid_challenge_segmentation_metrics",
    "pascal_voc_detection_metrics",
    "weighted_pascal_voc_detection_metrics",
    "precision_at_recall_detection_metrics",
    "pascal_voc_instance_segmentation_metrics",
    "weighted_pascal_voc_instance_segmentation_metrics",
    "oid_V2_detection_metrics",
}


@rule("PC608", "metrics-set-known", category="eval", fix="unsafe")
def metrics_set_known(config):
    """eval_config.metrics_set names metrics the OD API has.

    Catalogue: E-01

    Why: a typo such as "coco_metrics" fails only when evaluation runs, often after
    training, with "ValueError: Metric not found".

    Bad:
        eval_config.metrics_set[0]: "coco_metrics"
    Good:
        eval_config.metrics_set[0]: "coco_detection_metrics"
    """
    if config.eval_config is None:
        return None  # no eval_config: the OD API's default, coco_detection_metrics
    for index, name in enumerate(config.eval_config.metrics_set):
        if name not in METRICS_SETS:
            close = difflib.get_close_matches(name, sorted(METRICS_SETS), n=1, cutoff=0.5)
            yield Finding(
                _("metrics_set {name!r} does not exist: evaluation fails with 'Metric not found'", name=name),
                field=f"eval_config.metrics_set[{index}]",
                hint=_('write metrics_set: "{name}"', name=close[0] if close else "coco_detection_metrics"),
            )


@rule("PC609", "moving-averages-consistent", category="eval", severity="warning")
def moving_averages_consistent(config):
    """Evaluation uses moving averages only if training keeps them.

    Catalogue: O-10

    Why: eval_config.use_moving_averages: true with an optimizer that keeps none makes
    evaluation swap in shadow weights that were never trained: mAP near 0, no error.

    Bad:
        eval_config.use_moving_averages: true
    Good:
        eval_config.use_moving_averages: false
    """
    optimizer = config.train.optimizer
    kind = optimizer.WhichOneof("optimizer")
    trains_ema = optimizer.use_moving_average if kind else False
    evaluation = config.eval_config
    if evaluation is not None and evaluation.use_moving_averages and not trains_ema:
        return Finding(
            _(
                "eval_config.use_moving_averages is true but the optimizer keeps no moving average: "
                "evaluation would use untrained shadow weights"
            ),
            field="eval_config.use_moving_averages",
            hint=_("write use_moving_averages: false (or use_moving_average: true in the optimizer)"),
        )
    return None


@rule("PC610", "same-architecture-as-checkpoint", category="model")
def same_architecture_as_checkpoint(config, original):
    """The model block builds the network the original (zoo) config and checkpoint describe.

    Catalogue: C-10

    Why: the config of one zoo model with the checkpoint of another (ResNet-50 config,
    ResNet-101 checkpoint; EfficientDet D2 config, D1 checkpoint) fails once the checkpoint
    is restored with "Found N Python objects that were not bound to checkpointed values".
    num_classes, the post-processing and the resizer may change; the extractor may not.

    Bad:
        model.faster_rcnn.feature_extractor.type: "faster_rcnn_resnet101_keras"
    Good:
        model.faster_rcnn.feature_extractor.type: "faster_rcnn_resnet50_keras"
    """
    if original is None:
        cannot_decide(_("no original config to compare the architecture with"))
    if config.arch != original.arch:
        return Finding(
            _(
                "this config builds {mine} but the original (and its checkpoint) is {theirs}",
                mine=config.arch,
                theirs=original.arch,
            ),
            field="model",
            hint=_("start again from the pipeline.config of the network you downloaded"),
        )
    mine, theirs = config.feature_extractor_type(), original.feature_extractor_type()
    if mine != theirs:
        return Finding(
            _(
                "feature_extractor type is {mine!r} but the original's (and its checkpoint's) is {theirs!r}: "
                "restoring fails with 'objects were not bound to checkpointed values'",
                mine=mine,
                theirs=theirs,
            ),
            field=f"{config.arch_path}.feature_extractor.type",
            hint=_('write type: "{kind}"', kind=theirs),
            replacement=f'"{theirs}"',
        )
    return None


@rule("PC611", "training-data-shuffled", category="model", severity="warning")
def training_data_shuffled(config):
    """train_input_reader shuffles its records.

    Catalogue: D-05

    Why: shuffle: false copied from the eval reader trains on records in file order;
    with one record file sorted by class or folder there is no shuffling at all and the
    model learns one class after another.

    Bad:
        train_input_reader.shuffle: false
    Good:
        train_input_reader.shuffle: true
    """
    if not config.train_input.shuffle:
        return Finding(
            _("train_input_reader.shuffle is false: records are read in file order"),
            field="train_input_reader.shuffle",
            hint=_("delete the line (true is the default)"),
        )
    return None


@rule("PC612", "masks-loaded-for-mask-head", category="model")
def masks_loaded_for_mask_head(config):
    """A model that predicts masks reads them: load_instance_masks: true in the input readers.

    Catalogue: D-04

    Why: Mask R-CNN configs whose readers do not load instance masks fail at start-up
    with "Groundtruth instance masks not provided. Please configure input reader".

    Bad:
        model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor.predict_instance_masks: true
        expect train_input_reader.load_instance_masks
    Good:
        model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor.predict_instance_masks: false
    """
    if config.arch != "faster_rcnn":
        return None
    predictor = config.model.second_stage_box_predictor
    if predictor.WhichOneof("box_predictor_oneof") != "mask_rcnn_box_predictor":
        return None
    if not predictor.mask_rcnn_box_predictor.predict_instance_masks:
        return None
    for path, reader in config.input_readers():
        if not reader.load_instance_masks:
            yield Finding(
                _("the model predicts instance masks but {reader} does not load them", reader=path),
                field=f"{path}.load_instance_masks",
                hint=_("write load_instance_masks: true and mask_type: PNG_MASKS (records need image/object/mask)"),
            )


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
    written = list(config.eval_config.metrics_set) if config.eval_config is not None else []
    metrics = written or ["coco_detection_metrics"]
    if not any(m.startswith("coco") for m in metrics):
        return None
    threshold = getattr(config.model, block).batch_non_max_suppression.score_threshold
    if threshold < 0.1:
        return None
    return Finding(
        _(
            "score_threshold {value:g} drops the detections below it before COCO mAP averages precision up to "
            "full recall: it comes out lower than the model's",
            value=threshold,
        ),
        field=f"model.{arch}.{block}.batch_non_max_suppression.score_threshold",
        hint=_("write score_threshold: 1e-8 and filter by score where the exported model is used"),
    )
