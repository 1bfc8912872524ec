"""Rules about how the model's anchors fit the boxes in the records (PC723 on)."""

from pipecheck import Finding, _, cannot_decide, n_, rule
from pipecheck.rulekit import MODELLED_RESIZERS, anchor_fit, anchor_shapes, matching

CODES = ("PC723", "PC799")

_RECALL = 0.98  # YOLOv5's AutoAnchor re-fits its anchors below this best possible recall


@rule("PC723", "anchors-fit-boxes", category="records", severity="info")
def anchors_fit_boxes(config, records):
    """Every training box, after the resizer, has an anchor shape that the matcher lets learn it.

    Catalogue: U-18

    Why: objects much smaller than the smallest anchor once the image is resized
    (tensorflow/models#10641, #3196, #9035) reach no anchor. The figure is YOLOv5's "Best
    Possible Recall" (AutoAnchor, utils/autoanchor.py check_anchors, which re-fits its anchors
    below 0.98) with the OD API's IoU: each box against every anchor shape of the generator,
    centred on it (a grid position can only lower it), on at most 20,000 boxes taken evenly
    from the files. Shapes: ssd_anchor_generator scales the
    shorter side of the resized image
    (anchor_generators/multiple_grid_anchor_generator.py:213-225 and 317-339),
    multiscale_anchor_generator is 2^level x anchor_scale pixels
    (anchor_generators/multiscale_grid_anchor_generator.py:62-69), grid_anchor_generator scales
    its height and width (anchor_generators/grid_anchor_generator.py:181-183). With
    force_match_for_each_row (every zoo SSD, and Faster R-CNN's first stage always:
    core/target_assigner.py:411-416) matchers/argmax_matcher.py:167-181 still gives each box
    its best anchor, so the yardstick is the unmatched threshold (SSD's unmatched_threshold,
    Faster R-CNN's 0.3): under it every other anchor over the box is a negative and the box is
    learned from one poorly shaped anchor, a figure to read (-v, the review, the JSON). Without
    forcing (the proto's default) a box under matched_threshold has no positive anchor at all:
    the model never learns it, a warning. CenterNet has no anchors: nothing is said;
    flexible_grid_anchor_generator and resizers other than fixed_shape and keep_aspect_ratio
    are not modelled: undecided.

    Bad:
        base ssd
        record faces_cubes/training/train.record * image/object/bbox/xmin=*0.5 image/object/bbox/xmax=*0.505 image/object/bbox/ymin=*0.5 image/object/bbox/ymax=*0.505
        expect model.ssd.anchor_generator
    Good:
        base ssd
        record faces_cubes/training/train.record * image/object/bbox/xmin=*0.3 image/object/bbox/xmax=*0.5 image/object/bbox/ymin=*0.3 image/object/bbox/ymax=*0.5
    """
    match = matching(config)
    reader = records.train
    if match is None or reader is None or not any(facts.box_sizes for facts in reader.files):
        return None
    if anchor_shapes(config, 1, 1) is None:
        cannot_decide(_("the anchor generator is not modelled (only ssd, multiscale and grid anchors)"))
    if config.model.image_resizer.WhichOneof("image_resizer_oneof") not in MODELLED_RESIZERS:
        cannot_decide(_("the image resizer is not modelled (only fixed_shape_resizer and keep_aspect_ratio_resizer)"))
    fit = anchor_fit(config, reader.files, match.threshold)
    if fit is None or fit.recall >= _RECALL:
        return None
    values = dict(
        total=fit.boxes,
        recall=f"{fit.recall:.2f}",
        threshold=f"{match.threshold:g}",
        box="{:.0f}x{:.0f}".format(*fit.smallest_box),
        anchor="{:.0f}x{:.0f}".format(*fit.smallest_anchor),
    )
    if match.forced:
        message = n_(
            "{count} of {total} training box reaches no anchor shape at IoU {threshold} after the resizer (best "
            "possible recall {recall}; smallest box {box} px, smallest anchor {anchor} px): it is learned only "
            "from the one anchor force_match_for_each_row gives it",
            "{count} of {total} training boxes reach no anchor shape at IoU {threshold} after the resizer (best "
            "possible recall {recall}; smallest box {box} px, smallest anchor {anchor} px): each is learned only "
            "from the one anchor force_match_for_each_row gives it",
            fit.unfit,
            **values,
        )
    else:
        message = n_(
            "{count} of {total} training box reaches no anchor shape at IoU {threshold} after the resizer (best "
            "possible recall {recall}; smallest box {box} px, smallest anchor {anchor} px): no anchor learns it",
            "{count} of {total} training boxes reach no anchor shape at IoU {threshold} after the resizer (best "
            "possible recall {recall}; smallest box {box} px, smallest anchor {anchor} px): no anchor learns them",
            fit.unfit,
            **values,
        )
    return Finding(
        message,
        field=match.field,
        hint=_("fit the anchors to the boxes (smaller scales or min_scale), enlarge the resizer, or tile the images"),
        severity="info" if match.forced else "warning",
        tier="detail" if match.forced else "default",
    )
