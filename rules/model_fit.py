"""Rules about model parts that must fit each other, the records or the export (PC614 on)."""

from pipecheck import Finding, _, rule

CODES = ("PC614", "PC689")

_CROPS = ("random_crop_image", "ssd_random_crop", "random_pad_image", "ssd_random_crop_pad", "random_crop_pad_image")
_FLIPS = ("random_horizontal_flip", "random_vertical_flip")


def _has_keypoint_task(config) -> bool:
    if config.arch == "center_net":
        return bool(config.model.keypoint_estimation_task)
    if config.arch == "faster_rcnn":
        predictor = config.model.second_stage_box_predictor
        return bool(
            predictor.WhichOneof("box_predictor_oneof") == "mask_rcnn_box_predictor"
            and predictor.mask_rcnn_box_predictor.predict_keypoints
        )
    return False


def _augmentations(config):
    """(field path, step name, step message) of every data_augmentation_options entry."""
    for index, option in enumerate(config.train.data_augmentation_options):
        name = option.WhichOneof("preprocessing_step")
        if name:
            yield f"train_config.data_augmentation_options[{index}].{name}", name, getattr(option, name)


def _keypoint_crash(config) -> str | None:
    """The augmentation that fails on keypoints the records do not have, if the train config has one."""
    for _path, name, step in _augmentations(config):
        if name in _CROPS:
            return _(
                "{step} gathers the keypoints of the boxes it keeps: on records without keypoints it fails", step=name
            )
        if name in _FLIPS and not step.keypoint_flip_permutation:
            return _("{step} without keypoint_flip_permutation fails as soon as keypoints are read", step=name)
    return None


@rule("PC614", "no-keypoint-leftovers", category="model", severity="warning", fix="safe")
def no_keypoint_leftovers(config):
    """Keypoint settings are present only when the model has a keypoint task.

    Catalogue: U-05

    Why: configs copied from a CenterNet keypoints config keep num_keypoints in the input
    readers and keypoint_flip_permutation in the flips. With num_keypoints > 0 the decoder
    reads image/object/keypoint/x,y (data_decoders/tf_example_decoder.py:362-377) and
    inputs.augment_input_data passes the keypoints to every augmentation (inputs.py:613);
    for records without keypoints they are a [0, num_keypoints, 2] tensor, and
    random_crop_image/ssd_random_crop stop training with "indices[0] = 0 is not in [0, 0)"
    (preprocessor.py:1620, tf.gather of the kept boxes), random_horizontal_flip without a
    permutation with "keypoints are provided but keypoints_flip_permutation is not provided"
    (checked with TensorFlow 2.15 on the 2.8 source). A model without a keypoint task never
    uses them. A keypoint_flip_permutation alone does nothing (-v).

    Bad:
        train_input_reader.num_keypoints: 17
    Bad (with a crop):
        train_input_reader.num_keypoints: 17
        append: train_config { data_augmentation_options { random_crop_image {} } }
        expect train_input_reader.num_keypoints
    Good:
        train_input_reader.num_keypoints: 0

    Fix: safe; deletes the leftover.
    """
    if _has_keypoint_task(config):
        return
    shown = False
    for path, reader in config.input_readers():
        if reader.num_keypoints <= 0:
            continue
        crash = _keypoint_crash(config) if path == "train_input_reader" else None  # eval does not augment
        tier, shown = ("detail" if shown else "default"), True  # one cause: the other readers are details
        yield Finding(
            _(
                "{reader}.num_keypoints is {count} but the {arch} model has no keypoint task: the decoder reads "
                "keypoints nothing uses",
                reader=path,
                count=reader.num_keypoints,
                arch=config.arch or "empty",
            )
            + (_("; {crash}", crash=crash) if crash else ""),
            field=f"{path}.num_keypoints",
            hint=_("delete num_keypoints (a leftover of a keypoint config)"),
            severity="error" if crash else None,
            remove=True,
            tier=tier,
        )
    if any(reader.num_keypoints > 0 for _path, reader in config.input_readers()):
        return
    for path, name, step in _augmentations(config):
        if name in _FLIPS and step.keypoint_flip_permutation:
            yield Finding(
                _("{step}.keypoint_flip_permutation does nothing: no reader reads keypoints", step=name),
                field=f"{path}.keypoint_flip_permutation",
                hint=_("delete keypoint_flip_permutation (a leftover of a keypoint config)"),
                severity="info",
                tier="quiet",
                remove=True,
            )


@rule("PC615", "no-per-category-coco-flags", category="model", severity="warning", fix="safe")
def no_per_category_coco_flags(config):
    """include_metrics_per_category is off for COCO metrics.

    Catalogue: U-08

    Why: with it, the COCO evaluator asks pycocotools for per-category figures
    (metrics/coco_evaluation.py:304-306, ComputeMetrics), and the OD API reads them from
    `category_stats` (metrics/coco_tools.py:304-305), which the stock pycocotools COCOeval
    never computes: the evaluation ends, after every image was processed, with
    "ValueError: Category stats do not exist" (tensorflow/models#5010, #4778; the patch
    tensorflow/models#6585 was never merged). all_metrics_per_category alone is harmless:
    ComputeMetrics returns before that check unless include_metrics_per_category is set
    (metrics/coco_tools.py:301-302), so it gets no finding.

    Bad:
        eval_config.include_metrics_per_category: true
        eval_config.all_metrics_per_category: true
    Good (all metrics alone):
        eval_config.include_metrics_per_category: false
        eval_config.all_metrics_per_category: true

    Fix: safe; deletes the flag.
    """
    eval_config = config.eval_config
    if eval_config is None:
        return
    metrics = list(eval_config.metrics_set) or ["coco_detection_metrics"]  # eval_util's default
    if not any(name.startswith("coco_") for name in metrics):
        return
    if eval_config.include_metrics_per_category:
        yield Finding(
            _(
                "eval_config.{name}: true makes the COCO evaluation end with 'Category stats do not exist' "
                "(pycocotools does not compute them)",
                name="include_metrics_per_category",
            ),
            field="eval_config.include_metrics_per_category",
            hint=_("delete the line; per-class AP needs a patched pycocotools"),
            remove=True,
        )


# first_stage_features_stride each TF2 (Keras) Faster R-CNN extractor accepts
_STRIDES = {
    "faster_rcnn_resnet50_keras": (16,),
    "faster_rcnn_resnet101_keras": (16,),
    "faster_rcnn_resnet152_keras": (16,),
    "faster_rcnn_inception_resnet_v2_keras": (8, 16),
}


@rule("PC616", "faster-rcnn-stride-fits", category="model")
def faster_rcnn_stride_fits(config):
    """Faster R-CNN's first_stage_features_stride is one its extractor accepts and the anchor grid's stride.

    Catalogue: U-09

    Why: the TF2 ResNet extractors accept only 16 and Inception-ResNet-v2 8 or 16
    (models/faster_rcnn_resnet_keras_feature_extractor.py:61-62, "first_stage_features_stride
    must be 16"; faster_rcnn_inception_resnet_v2_keras_feature_extractor.py:56-57), which
    stops the model build. The grid anchor generator's height_stride and width_stride
    place one anchor set per feature-map cell: a stride other than the features' puts the
    anchors on the wrong pixels (tensorflow/models#7795: stride 8 features with stride 16
    anchors break inference).

    Bad:
        model.faster_rcnn.feature_extractor.first_stage_features_stride: 8
    Bad (anchors):
        model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator.height_stride: 8
    Good:
        model.faster_rcnn.feature_extractor.first_stage_features_stride: 16
        model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator.height_stride: 16
    """
    if config.arch != "faster_rcnn":
        return
    extractor = config.model.feature_extractor
    stride = extractor.first_stage_features_stride
    allowed = _STRIDES.get(extractor.type)
    field = "model.faster_rcnn.feature_extractor.first_stage_features_stride"
    if allowed and stride not in allowed:
        yield Finding(
            _(
                "first_stage_features_stride {stride}: {extractor} accepts only {allowed}; the model build stops",
                stride=stride,
                extractor=extractor.type,
                allowed=" or ".join(map(str, allowed)),
            ),
            field=field,
            hint=_("write first_stage_features_stride: {value}", value=allowed[-1]),
        )
        return
    generator = config.model.first_stage_anchor_generator
    if generator.WhichOneof("anchor_generator_oneof") != "grid_anchor_generator":
        return
    grid = generator.grid_anchor_generator
    for name in ("height_stride", "width_stride"):
        value = getattr(grid, name)
        if value != stride:
            yield Finding(
                _(
                    "the first-stage anchors have {name} {value} but the features have stride {stride}: the anchors "
                    "fall on the wrong pixels",
                    name=name,
                    value=value,
                    stride=stride,
                ),
                field=f"model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator.{name}",
                hint=_("write {name}: {stride}", name=name, stride=stride),
            )


# SSD extractors without a feature pyramid and the number of feature maps they give (their feature_map_layout)
_SSD_MAPS = {"ssd_mobilenet_v1_keras": 6, "ssd_mobilenet_v2_keras": 6}


def _pyramid(config):
    """(field path, min_level, max_level) of the SSD extractor's fpn or bifpn block, or None."""
    extractor = config.model.feature_extractor
    for name in ("fpn", "bifpn"):
        if extractor.HasField(name):
            block = getattr(extractor, name)
            return f"model.ssd.feature_extractor.{name}", block.min_level, block.max_level
    return None


def _anchors_per_layer(ssd_anchors) -> list[int]:
    """Anchors per location in each layer, as create_ssd_anchors builds them."""
    others = len(ssd_anchors.aspect_ratios) + (1 if ssd_anchors.interpolated_scale_aspect_ratio > 0 else 0)
    first = 3 if ssd_anchors.reduce_boxes_in_lowest_layer else others
    return [first] + [others] * (ssd_anchors.num_layers - 1)


@rule("PC617", "anchors-fit-feature-maps", category="model")
def anchors_fit_feature_maps(config):
    """SSD's anchor generator has one layer per feature map, and one anchor count for a shared predictor.

    Catalogue: U-10

    Why: the anchor generator must give one anchor set per feature map
    (core/anchor_generator.py:103-105, "Number of feature maps is expected to equal the
    length of `num_anchors_per_location`"): multiscale_anchor_generator's min_level..max_level
    must be the fpn/bifpn levels the extractor outputs (tensorflow/models#10457), and the
    MobileNet SSDs without a pyramid give 6 maps, so ssd_anchor_generator.num_layers is 6
    (tensorflow/models#2661, #4903). A weight_shared_convolutional_box_predictor needs the
    same number of anchors on every map (builders/box_predictor_builder.py:392-393, "num
    predictions per location must be same for all feature maps", tensorflow/models#10586):
    ssd_anchor_generator's reduce_boxes_in_lowest_layer (default true) puts 3 in the first.

    Bad:
        base ssd
        model.ssd.anchor_generator.multiscale_anchor_generator.max_level: 6
    Bad (weight-shared predictor):
        base ssd
        delete model.ssd.anchor_generator.multiscale_anchor_generator
        model.ssd.anchor_generator.ssd_anchor_generator.num_layers: 5
        expect model.ssd.anchor_generator.ssd_anchor_generator.reduce_boxes_in_lowest_layer
    Good:
        base ssd
        model.ssd.anchor_generator.multiscale_anchor_generator.max_level: 7
    """
    if config.arch != "ssd":
        return
    generator = config.model.anchor_generator
    kind = generator.WhichOneof("anchor_generator_oneof")
    pyramid = _pyramid(config)
    if kind == "multiscale_anchor_generator" and pyramid is not None:
        anchors = generator.multiscale_anchor_generator
        block, low, high = pyramid
        for name, mine, theirs in (("min_level", anchors.min_level, low), ("max_level", anchors.max_level, high)):
            if mine != theirs:
                yield Finding(
                    _(
                        "multiscale_anchor_generator.{name} is {mine} but the feature pyramid's is {theirs}: the "
                        "anchors do not fit the feature maps",
                        name=name,
                        mine=mine,
                        theirs=theirs,
                    ),
                    field=f"model.ssd.anchor_generator.multiscale_anchor_generator.{name}",
                    hint=_("write {name}: {value} (or change {block} with it)", name=name, value=theirs, block=block),
                )
    if kind != "ssd_anchor_generator":
        return
    anchors = generator.ssd_anchor_generator
    maps = _SSD_MAPS.get(config.model.feature_extractor.type)
    if maps is not None and pyramid is None and anchors.num_layers != maps:
        yield Finding(
            _(
                "ssd_anchor_generator.num_layers is {layers} but {extractor} gives {maps} feature maps",
                layers=anchors.num_layers,
                extractor=config.model.feature_extractor.type,
                maps=maps,
            ),
            field="model.ssd.anchor_generator.ssd_anchor_generator.num_layers",
            hint=_("write num_layers: {maps}", maps=maps),
        )
    predictor = config.model.box_predictor.WhichOneof("box_predictor_oneof")
    counts = _anchors_per_layer(anchors)
    if predictor == "weight_shared_convolutional_box_predictor" and len(set(counts)) > 1:
        yield Finding(
            _(
                "the weight-shared box predictor needs as many anchors on every feature map, but "
                "ssd_anchor_generator gives {counts}",
                counts=", ".join(map(str, counts)),
            ),
            field="model.ssd.anchor_generator.ssd_anchor_generator.reduce_boxes_in_lowest_layer",
            hint=_("write reduce_boxes_in_lowest_layer: false, and keep the aspect ratios the same for every layer"),
        )
