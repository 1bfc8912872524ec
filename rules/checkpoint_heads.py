"""Rules about checkpoint tensors against the model the config builds: trained heads, the first layer (PC313 on)."""

from pipecheck import Finding, _, cannot_decide, rule
from pipecheck.rulekit import class_head_width, newest_trained_checkpoint, read_checkpoint_index

CODES = ("PC313", "PC399")


def _anchors_per_location(config) -> int | None:
    """Anchors per feature-map cell of an SSD with multiscale anchors (the zoo's TF2 SSDs), else None."""
    generator = config.model.anchor_generator
    if generator.WhichOneof("anchor_generator_oneof") != "multiscale_anchor_generator":
        return None
    anchors = generator.multiscale_anchor_generator
    return len(anchors.aspect_ratios) * anchors.scales_per_octave or None


def _trained_classes(config, width: int) -> int | None:
    """The num_classes a class head of this width was trained for (its outputs count the background)."""
    if config.arch == "faster_rcnn":
        return width - 1
    per_location = _anchors_per_location(config)
    if per_location is None or width % per_location:
        return None
    return width // per_location - 1


@rule("PC313", "trained-head-fits-classes", category="checkpoint")
def trained_head_fits_classes(config, project):
    """The newest checkpoint trained beside the config has a class head for its num_classes.

    Catalogue: U-16

    Why: exporting (exporter_main_v2.py, export_tflite_graph_tf2.py) or evaluating
    (model_main_tf2.py --checkpoint_dir) builds the model from the config and restores the
    trained checkpoint into it; a class head trained for another num_classes stops it with
    "Tensor's shape (1, 1, 128, 42) is not compatible with supplied shape (1, 1, 128, 546)"
    (546 = 6 anchors x 91: the zoo's COCO head; tensorflow/models#9610, #9876, #9061, #9133).
    It happens when num_classes was edited after training, or when the zoo's checkpoint was
    copied where the trained one belongs. The kernel's width is read from the .index: for
    Faster R-CNN num_classes + 1, for an SSD anchors per location x (num_classes + 1).

    Bad:
        mkdir faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint1
        copy pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.index faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint1/ckpt-1.index
        copy pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.data-00000-of-00001 faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint1/ckpt-1.data-00000-of-00001
        expect model.faster_rcnn.num_classes
    Good:
        mkdir faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint1
        expect model.faster_rcnn.num_classes
    """
    if config.arch not in ("faster_rcnn", "ssd"):
        return None
    prefix = newest_trained_checkpoint(project.config_dir)
    if prefix is None:
        return None
    head = class_head_width(read_checkpoint_index(prefix), config.arch)
    if head is None:
        return None
    name, width = head
    classes = config.model.num_classes
    trained = _trained_classes(config, width)
    if trained is None or trained == classes:
        return None
    return Finding(
        _(
            "{checkpoint} has a class head for {trained} classes ({width} outputs) but num_classes is {classes}: "
            'exporting or evaluating it stops with "Tensor\'s shape ... is not compatible with supplied shape"',
            checkpoint=project.display(prefix),
            trained=trained,
            width=width,
            classes=classes,
        ),
        field=f"model.{config.arch}.num_classes",
        hint=_("this is the zoo's COCO head: export or evaluate a checkpoint you trained with this config")
        if trained == 90
        else _(
            "train again with num_classes {classes}, or export with the config it was trained with", classes=classes
        ),
    )


def _rgb_kernel(checkpoint) -> tuple[str, list[int]] | None:
    """The first feature-extractor convolution kernel taking 3 input channels, if the checkpoint has one."""
    for entry in checkpoint.entries:
        name, shape = entry.get("name", ""), entry.get("shape") or []
        if "feature_extractor" in name and len(shape) == 4 and shape[2] == 3:
            return name.split("/.ATTRIBUTES", 1)[0], shape
    return None


@rule("PC314", "grayscale-fits-checkpoint", category="checkpoint")
def grayscale_fits_checkpoint(config, checkpoint):
    """convert_to_grayscale is off when the fine-tune checkpoint's first convolution takes RGB.

    Catalogue: U-17

    Why: with convert_to_grayscale the resizer turns each image into one channel
    (builders/image_resizer_builder.py:93-104, rgb_to_gray), so the feature extractor's
    first convolution is built for 1 input channel; the checkpoint's kernel has 3, and
    restoring it fails on the shape (tensorflow/models#6404, #6201, #4349, TF1-era threads
    on the same builder). The exported model would also expect 1-channel images.

    Bad:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.convert_to_grayscale: true
    Good:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.convert_to_grayscale: false
    """
    model = config.model
    if model is None or not model.HasField("image_resizer"):
        return None
    kind = model.image_resizer.WhichOneof("image_resizer_oneof")
    resizer = getattr(model.image_resizer, kind) if kind else None
    if resizer is None or not getattr(resizer, "convert_to_grayscale", False):
        return None
    if not checkpoint.readable:
        cannot_decide(_("the checkpoint index cannot be read (see PC310)"))
    found = _rgb_kernel(checkpoint)
    if found is None:
        return None
    name, shape = found
    return Finding(
        _(
            "convert_to_grayscale feeds 1 channel to the network, but the checkpoint's first convolution {name} "
            "takes 3 ({shape}): restoring it fails on the shape",
            name=name,
            shape="x".join(map(str, shape)),
        ),
        field=f"{config.arch_path}.image_resizer.{kind}.convert_to_grayscale",
        hint=_("delete convert_to_grayscale: grey images decoded as 3 equal channels keep the pre-trained first layer"),
    )
