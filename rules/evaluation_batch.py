"""How the evaluation job batches its images (PC420 on)."""

from pipecheck import Finding, _, rule

CODES = ("PC420", "PC499")


def _unknown_size(config) -> str | None:
    """The resizer's name when it gives images of varying size (config_util.get_spatial_image_size: -1)."""
    model = config.model
    if model is None or not model.HasField("image_resizer"):
        return None
    kind = model.image_resizer.WhichOneof("image_resizer_oneof")
    if kind == "keep_aspect_ratio_resizer" and model.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension:
        return None
    return kind if kind in ("keep_aspect_ratio_resizer", "identity_resizer", "conditional_shape_resizer") else None


@rule("PC420", "eval-batch-fits-image-sizes", category="distribution", fix="safe")
def eval_batch_fits_image_sizes(config, distribution):
    """eval_config.batch_size is 1 when the resizer gives images of different sizes.

    Catalogue: U-11

    Why: the eval input pads every image only to the resizer's spatial size
    (inputs.py:1050-1059, pad_input_data_to_static_shapes with
    config_util.get_spatial_image_size), which is unknown (-1) for keep_aspect_ratio_resizer
    without pad_to_max_dimension and for identity_resizer; the dataset then batches
    eval_config.batch_size images (inputs.py:1071-1073), and two images of different
    shapes fail with "Cannot batch tensors with different shapes" when the evaluation
    starts, after training (tensorflow/models#8999, #9171: "Reducing the batch size
    worked"). The training batch has the same need (PC605).

    Bad:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: false
        eval_config.batch_size: 4
        expect eval_config.batch_size
    Good:
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: false
        eval_config.batch_size: 1

    Fix: safe; writes batch_size: 1.
    """
    batch = config.eval_config.batch_size if config.eval_config is not None else 1
    resizer = _unknown_size(config)
    if batch <= 1 or resizer is None:
        return None
    if (config.batch_size or 1) > 1 or distribution.replicas > 1:
        return None  # PC605 (the training batch) or PC416 (one device) already names this
    return Finding(
        _(
            "eval_config.batch_size {batch} with {resizer} and no padding: the evaluation fails at its first batch "
            "with 'Cannot batch tensors with different shapes'",
            batch=batch,
            resizer=resizer,
        ),
        field="eval_config.batch_size",
        hint=_("write batch_size: 1 in eval_config (or pad_to_max_dimension: true in the resizer)"),
        replacement="1",
    )
