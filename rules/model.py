"""Rules about the model block: detection limits, the resizer, the architecture and its feature extractor."""

import difflib

from pipecheck import N_, Finding, _, cannot_decide, rule

CODES = ("PC600", "PC607")

# The review's sign-off items these rules pre-fill.
LIMITS_FIT = N_("Detection limits fit the data")

# builders/model_builder.py (OD API 2.8): the feature extractors model_main_tf2.py can build.
TF2_FEATURE_EXTRACTORS = {
    "ssd": {
        "ssd_mobilenet_v1_keras",
        "ssd_mobilenet_v1_fpn_keras",
        "ssd_mobilenet_v2_keras",
        "ssd_mobilenet_v2_fpn_keras",
        "ssd_resnet50_v1_fpn_keras",
        "ssd_resnet101_v1_fpn_keras",
        "ssd_resnet152_v1_fpn_keras",
    }
    | {f"ssd_efficientnet-b{i}_bifpn_keras" for i in range(8)},
    "faster_rcnn": {
        "faster_rcnn_resnet50_keras",
        "faster_rcnn_resnet101_keras",
        "faster_rcnn_resnet152_keras",
        "faster_rcnn_inception_resnet_v2_keras",
        "faster_rcnn_resnet50_fpn_keras",
        "faster_rcnn_resnet101_fpn_keras",
        "faster_rcnn_resnet152_fpn_keras",
    },
    "center_net": {
        "resnet_v2_50",
        "resnet_v2_101",
        "resnet_v1_18_fpn",
        "resnet_v1_34_fpn",
        "resnet_v1_50_fpn",
        "resnet_v1_101_fpn",
        "hourglass_10",
        "hourglass_20",
        "hourglass_32",
        "hourglass_52",
        "hourglass_104",
        "mobilenet_v2",
        "mobilenet_v2_fpn",
        "mobilenet_v2_fpn_sep_conv",
    },
}
_NMS = "model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression"


@rule("PC601", "detections-per-class-within-total", category="model", fix="safe", checklist=LIMITS_FIT)
def detections_per_class_within_total(config):
    """max_detections_per_class is not above max_total_detections.

    Catalogue: D-06

    Why: the post-processing builder raises "max_detections_per_class should be no greater
    than max_total_detections" when the model is built. The course sets both to 4.

    Bad:
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_detections_per_class: 10
    Good:
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_detections_per_class: 4

    Fix: safe; lowers max_detections_per_class to max_total_detections.
    """
    for path in [p for p in config.located.locations if p.endswith("batch_non_max_suppression")]:
        nms = config.value(path)
        if nms.max_detections_per_class > nms.max_total_detections:
            yield Finding(
                _(
                    "max_detections_per_class {per_class} > max_total_detections {total}: the model cannot be built",
                    per_class=nms.max_detections_per_class,
                    total=nms.max_total_detections,
                ),
                field=f"{path}.max_detections_per_class",
                hint=_("write max_detections_per_class: {value}", value=nms.max_total_detections),
                replacement=str(nms.max_total_detections),
            )


@rule("PC602", "max-boxes-in-the-reader", category="model", severity="info", fix="unsafe")
def max_boxes_in_the_reader(config, original, project):
    """Boxes per image are limited in train_input_reader, not in train_config.

    Catalogue: D-01, N-05

    Why: train_config.max_number_of_boxes is deprecated and unused in TF2; the limit that
    counts is train_input_reader.max_number_of_boxes (default 100), beyond which boxes are
    silently dropped. The course edits the train_config one; raising it to keep more boxes
    does nothing (a warning then). A value left as the zoo shipped it is not reported; a
    lower one is a setting TF2 ignores, shown by default only in the course's layout,
    where the course asks for that edit.

    Bad:
        train_config.max_number_of_boxes: 4
        delete train_input_reader.max_number_of_boxes
    Bad (raised, still clipped):
        train_config.max_number_of_boxes: 200
    Good:
        train_config.max_number_of_boxes: 100
        train_input_reader.max_number_of_boxes: 4
    """
    field = "train_config.max_number_of_boxes"
    if not config.written(field):
        return None
    wanted, effective = config.train.max_number_of_boxes, config.train_input.max_number_of_boxes
    as_shipped = original.train.max_number_of_boxes if original is not None else 100
    if wanted == effective or wanted == as_shipped:
        return None
    if wanted > effective:
        return Finding(
            _(
                "train_config.max_number_of_boxes is {wanted} but TF2 ignores it: images keep at most "
                "{effective} boxes (train_input_reader.max_number_of_boxes), the rest are dropped silently",
                wanted=wanted,
                effective=effective,
            ),
            field=field,
            severity="warning",
            hint=_("write max_number_of_boxes: {value} in train_input_reader", value=wanted),
        )
    return Finding(
        _(
            "train_config.max_number_of_boxes ({wanted}) is ignored by TF2; train_input_reader's "
            "({effective}) is the limit",
            wanted=wanted,
            effective=effective,
        ),
        field=field,
        hint=_("to limit boxes, write max_number_of_boxes: {value} in train_input_reader", value=wanted),
        tier="default" if project.layout.startswith("course") else "quiet",
    )


@rule("PC603", "resizer-min-within-max", category="model")
def resizer_min_within_max(config):
    """keep_aspect_ratio_resizer's min_dimension is not above max_dimension.

    Catalogue: M-04

    Why: lowering only max_dimension (to train faster) makes the model build fail with
    "ValueError: min_dimension > max_dimension".

    Bad:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.max_dimension: 512
    Good:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.max_dimension: 640
    """
    model = config.model
    if model is None or not model.HasField("image_resizer"):
        return None
    resizer = model.image_resizer
    if resizer.WhichOneof("image_resizer_oneof") != "keep_aspect_ratio_resizer":
        return None
    keep = resizer.keep_aspect_ratio_resizer
    if keep.min_dimension > keep.max_dimension:
        return Finding(
            _(
                "min_dimension {low} > max_dimension {high}: the model cannot be built",
                low=keep.min_dimension,
                high=keep.max_dimension,
            ),
            field=f"{config.arch_path}.image_resizer.keep_aspect_ratio_resizer.max_dimension",
            hint=_("lower min_dimension to {value} too", value=keep.max_dimension),
        )
    return None


@rule("PC604", "second-stage-within-proposals", category="model")
def second_stage_within_proposals(config):
    """Faster R-CNN's second_stage_batch_size is not above first_stage_max_proposals.

    Catalogue: M-07

    Why: lowering first_stage_max_proposals (300 → 50) to go faster while
    second_stage_batch_size stays 64 makes training fail at build time with
    "second_stage_batch_size should be no greater than first_stage_max_proposals".

    Bad:
        model.faster_rcnn.first_stage_max_proposals: 50
        expect model.faster_rcnn.second_stage_batch_size
    Good:
        model.faster_rcnn.first_stage_max_proposals: 100
    """
    if config.arch != "faster_rcnn":
        return None
    model = config.model
    if model.second_stage_batch_size > model.first_stage_max_proposals:
        values = {"batch": model.second_stage_batch_size, "proposals": model.first_stage_max_proposals}
        message = (
            _(
                "second_stage_batch_size {batch} > first_stage_max_proposals {proposals}: training cannot start",
                **values,
            )
            if config.written("model.faster_rcnn.second_stage_batch_size")
            else _(
                "second_stage_batch_size {batch} (the default) > first_stage_max_proposals {proposals}: training "
                "cannot start",
                **values,
            )
        )
        return Finding(
            message,
            field="model.faster_rcnn.second_stage_batch_size",
            hint=_("write second_stage_batch_size: {value}", value=model.first_stage_max_proposals),
            replacement=str(model.first_stage_max_proposals),
        )
    return None


@rule("PC605", "batches-need-padding", category="model")
def batches_need_padding(config):
    """batch_size above 1 with keep_aspect_ratio_resizer needs pad_to_max_dimension: true.

    Catalogue: M-01

    Why: without padding, images of different shapes cannot be stacked: the first batch
    fails with "Cannot batch tensors with different shapes".

    Bad:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: false
        train_config.batch_size: 2
        expect model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension
    Good:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: false
        train_config.batch_size: 1
    """
    model = config.model
    if model is None or not model.HasField("image_resizer") or (config.batch_size or 1) <= 1:
        return None
    if model.image_resizer.WhichOneof("image_resizer_oneof") != "keep_aspect_ratio_resizer":
        return None
    if not model.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension:
        return Finding(
            _(
                "batch_size {batch} with keep_aspect_ratio_resizer and no padding: the first batch fails with "
                "'Cannot batch tensors with different shapes'",
                batch=config.batch_size,
            ),
            field=f"{config.arch_path}.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension",
            hint=_("write pad_to_max_dimension: true (or batch_size: 1)"),
            replacement="true",
        )
    return None


@rule("PC606", "size-fits-feature-pyramid", category="model")
def size_fits_feature_pyramid(config):
    """With an FPN or BiFPN, the input size is a multiple of 2^max_level.

    Catalogue: M-02

    Why: the pyramid adds maps of neighbouring levels; a size such as 300 or 600 gives
    maps that differ by one pixel and the first step fails with "Incompatible shapes:
    [1,256,50,76] vs. [1,256,50,75]". An FPN's top-down path stops at the backbone's
    level 5 (levels 6-7 are strided convolutions), so sizes must be multiples of
    2^min(max_level, 5); a BiFPN resamples every level, so of 2^max_level.

    Bad:
        base ssd
        model.ssd.image_resizer.fixed_shape_resizer.height: 300
    Good:
        base ssd
        model.ssd.image_resizer.fixed_shape_resizer.height: 384
    """
    model = config.model
    if model is None or not model.HasField("feature_extractor"):
        return None
    extractor = model.feature_extractor
    level = None
    for pyramid, top in (("fpn", 5), ("bifpn", 99)):
        if pyramid in extractor.DESCRIPTOR.fields_by_name and extractor.HasField(pyramid):
            level = min(getattr(extractor, pyramid).max_level, top)
    size = config.image_size()
    if not level or size is None:
        return None
    multiple = 2**level
    resizer = model.image_resizer.WhichOneof("image_resizer_oneof")
    names = ("height", "width") if resizer == "fixed_shape_resizer" else ("max_dimension", "max_dimension")
    for name, value in zip(names, size):
        if value % multiple:
            fixed = max(multiple, round(value / multiple) * multiple)
            yield Finding(
                _(
                    "{name} {value} is not a multiple of {multiple} (2^{level}, the feature pyramid's top "
                    "level): the first step fails with 'Incompatible shapes'",
                    name=name,
                    value=value,
                    multiple=multiple,
                    level=level,
                ),
                field=f"{config.arch_path}.image_resizer.{resizer}.{name}",
                hint=_("write {name}: {value}", name=name, value=fixed),
                replacement=str(fixed),
            )
            if names[0] == names[1]:
                break


@rule("PC607", "feature-extractor-for-tf2", category="model")
def feature_extractor_for_tf2(config):
    """feature_extractor.type is one the TF2 model builder knows.

    Catalogue: M-05

    Why: TF1 configs (samples/configs, TF1 zoo tarballs) name TF1 extractors such as
    ssd_mobilenet_v2 or faster_rcnn_inception_v2; model_main_tf2.py stops with "... is not
    supported for tf version 2" once it builds the model. TF2 SSD and Faster R-CNN names
    end in _keras.

    Bad:
        model.faster_rcnn.feature_extractor.type: "faster_rcnn_resnet50"
    Good:
        model.faster_rcnn.feature_extractor.type: "faster_rcnn_resnet50_keras"
    """
    known = TF2_FEATURE_EXTRACTORS.get(config.arch)
    if known is None:
        cannot_decide(_("no list of TF2 feature extractors for {arch}", arch=config.arch))
    kind = config.feature_extractor_type()
    if kind in known:
        return None
    close = difflib.get_close_matches(kind + ("_keras" if config.arch != "center_net" else ""), sorted(known), n=1)
    close = [name for name in close if name.startswith(kind)]  # inception_v2 is not inception_resnet_v2
    hint = (
        _('write type: "{kind}"', kind=close[0])
        if close
        else _("start from a TF2 zoo config (configs/tf2) for this network")
    )
    return Finding(
        _(
            "feature_extractor type {kind!r} is not a TF2 {arch} extractor: model_main_tf2.py stops with 'is not "
            "supported for tf version 2'",
            kind=kind,
            arch=config.arch,
        ),
        field=f"{config.arch_path}.feature_extractor.type",
        hint=hint,
        replacement=f'"{close[0]}"' if close else None,
    )
