"""The anchor shapes a config's generator makes, in the resized image's pixels, and how well they fit boxes.

Only shapes: where an anchor sits on its grid can only lower its IoU with a box, so the best
IoU of a box and an anchor of the same centre is what any anchor of that shape can reach at
most (the "best possible recall" of YOLOv5's AutoAnchor, utils/autoanchor.py check_anchors,
measured with IoU, the OD API's similarity, instead of YOLOv5's size ratio).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

# core/target_assigner.py:411-416: Faster R-CNN's first stage matches anchors with a fixed
# ArgMaxMatcher(matched_threshold=0.7, unmatched_threshold=0.3, force_match_for_each_row=True).
FASTER_RCNN_UNMATCHED = 0.3
SAMPLE = 20000  # boxes measured at most: a best possible recall to two decimals needs no more
MODELLED_RESIZERS = ("fixed_shape_resizer", "keep_aspect_ratio_resizer")


@dataclass
class Matching:
    """The IoU a box must reach with some anchor, and whether each box keeps its best anchor anyway.

    With force_match_for_each_row the threshold is the unmatched one: under it every anchor over
    the box is a negative (argmax_matcher.py:146-161, negatives_lower_than_unmatched: the default) but the one the box is forced onto
    (argmax_matcher.py:167-181). The matched threshold would be the wrong yardstick there: at
    Faster R-CNN's 0.7 a square box between two octave scales reaches neither (0.5 at worst),
    which the RPN leaves to the forced match by design. Without forcing, a box under the matched
    threshold has no positive anchor at all, so that is the threshold.
    """

    threshold: float
    forced: bool
    field: str  # the block that decides it, for the finding's line


def matching(config) -> Matching | None:
    """How the config's anchors are matched, or None when the model has no IoU-matched anchors."""
    model = config.model
    if config.arch == "faster_rcnn":
        return Matching(FASTER_RCNN_UNMATCHED, True, "model.faster_rcnn.first_stage_anchor_generator")
    if config.arch != "ssd" or model.matcher.WhichOneof("matcher_oneof") != "argmax_matcher":
        return None  # CenterNet has no anchors; the bipartite matcher does not run in TF2
    argmax = model.matcher.argmax_matcher
    if argmax.ignore_thresholds:  # every anchor takes its best box: no threshold to miss
        return None
    if argmax.force_match_for_each_row:
        return Matching(argmax.unmatched_threshold, True, "model.ssd.anchor_generator")
    return Matching(argmax.matched_threshold, False, "model.ssd.anchor_generator")


def anchor_shapes(config, image_width: float, image_height: float) -> list[tuple[float, float]] | None:
    """(width, height) in pixels of every anchor shape, for a resized image of that size; None if not modelled."""
    if config.arch == "faster_rcnn":
        generator = config.model.first_stage_anchor_generator
    elif config.arch == "ssd":
        generator = config.model.anchor_generator
    else:
        return None
    kind = generator.WhichOneof("anchor_generator_oneof")
    if kind == "grid_anchor_generator":
        grid = generator.grid_anchor_generator  # grid_anchor_generator.py:181-183, pixels
        return _shapes(grid.scales, grid.aspect_ratios, grid.width, grid.height)
    if kind == "multiscale_anchor_generator":
        return _multiscale(generator.multiscale_anchor_generator)
    if kind == "ssd_anchor_generator":
        return _ssd(generator.ssd_anchor_generator, min(image_width, image_height))
    return None  # flexible_grid_anchor_generator: not modelled


def _shapes(scales, aspect_ratios, base_width: float, base_height: float) -> list[tuple[float, float]]:
    return [
        (scale * math.sqrt(ratio) * base_width, scale / math.sqrt(ratio) * base_height)
        for scale in scales
        for ratio in aspect_ratios
        if ratio > 0
    ]


def _multiscale(multiscale) -> list[tuple[float, float]]:
    """multiscale_grid_anchor_generator.py:62-69: 2^level x anchor_scale, times 2^(i/scales_per_octave)."""
    octave = max(multiscale.scales_per_octave, 1)
    scales = [2 ** (i / octave) for i in range(octave)]
    shapes = []
    for level in range(multiscale.min_level, multiscale.max_level + 1):
        base = 2**level * multiscale.anchor_scale
        shapes += _shapes(scales, multiscale.aspect_ratios, base, base)
    return shapes


def _ssd(ssd, shorter_side: float) -> list[tuple[float, float]]:
    """multiple_grid_anchor_generator.py:317-339 (create_ssd_anchors) and 213-225 (base size times the shorter side): scales of the shorter side."""
    layers = ssd.num_layers
    if list(ssd.scales):
        scales = [float(s) for s in ssd.scales]
    elif layers > 1:
        scales = [ssd.min_scale + (ssd.max_scale - ssd.min_scale) * i / (layers - 1) for i in range(layers)]
    else:
        return []
    scales += [1.0]
    specs = []
    for layer, (scale, scale_next) in enumerate(zip(scales[:-1], scales[1:])):
        if layer == 0 and ssd.reduce_boxes_in_lowest_layer:
            specs += [(0.1, 1.0), (scale, 2.0), (scale, 0.5)]
            continue
        specs += [(scale, ratio) for ratio in ssd.aspect_ratios]
        if ssd.interpolated_scale_aspect_ratio > 0:
            specs.append((math.sqrt(scale * scale_next), ssd.interpolated_scale_aspect_ratio))
    width, height = ssd.base_anchor_width * shorter_side, ssd.base_anchor_height * shorter_side
    return [shape for scale, ratio in specs for shape in _shapes([scale], [ratio], width, height)]


def resized_size(config, width: float, height: float) -> tuple[float, float, float, float] | None:
    """(box scale x, box scale y, network input width, height) for an image of that size; None if not modelled."""
    resizer = config.model.image_resizer
    kind = resizer.WhichOneof("image_resizer_oneof")
    if kind == "fixed_shape_resizer":
        fixed = resizer.fixed_shape_resizer
        return fixed.width, fixed.height, fixed.width, fixed.height
    if kind == "keep_aspect_ratio_resizer" and width > 0 and height > 0:
        keep = resizer.keep_aspect_ratio_resizer  # core/preprocessor.py resize_to_range
        scale = min(keep.min_dimension / min(width, height), keep.max_dimension / max(width, height))
        if keep.pad_to_max_dimension:
            return width * scale, height * scale, keep.max_dimension, keep.max_dimension
        return width * scale, height * scale, width * scale, height * scale
    return None


def best_iou(box: tuple[float, float], shapes: list[tuple[float, float]]) -> float:
    """The highest IoU of a box with an anchor shape of the same centre."""
    width, height = box
    best = 0.0
    for anchor_width, anchor_height in shapes:
        inter = min(width, anchor_width) * min(height, anchor_height)
        union = width * height + anchor_width * anchor_height - inter
        best = max(best, inter / union if union > 0 else 0.0)
    return best


@dataclass
class Fit:
    boxes: int
    unfit: int
    smallest_box: tuple[float, float]
    smallest_anchor: tuple[float, float]

    @property
    def recall(self) -> float:
        return 1 - self.unfit / self.boxes if self.boxes else 1.0


def anchor_fit(config, files, threshold: float) -> Fit | None:
    """How many boxes of these record files no anchor shape reaches at `threshold` IoU; None if not modelled.

    A file's boxes are a sample without their image, so each is resized with the median image
    size of its file (exact when the file's images share one size, or with fixed_shape_resizer).
    At most SAMPLE boxes are measured, every n-th of each file, so that a big dataset costs about a second.
    """
    boxes = unfit = 0
    smallest_box, smallest_anchor = (math.inf, math.inf), (math.inf, math.inf)
    step = max(1, math.ceil(sum(len(facts.box_sizes) for facts in files) / SAMPLE))
    for facts in files:
        sizes = [s for s in facts.image_sizes if s[0] > 0 and s[1] > 0]
        if not facts.box_sizes or not sizes:
            continue
        resized = resized_size(config, median(s[0] for s in sizes), median(s[1] for s in sizes))
        shapes = resized and anchor_shapes(config, resized[2], resized[3])
        if not shapes:
            return None
        smallest_anchor = min(smallest_anchor, min(shapes, key=lambda s: s[0] * s[1]), key=lambda s: s[0] * s[1])
        for width, height in facts.box_sizes[::step]:
            box = (width * resized[0], height * resized[1])
            boxes += 1
            unfit += best_iou(box, shapes) < threshold
            smallest_box = min(smallest_box, box, key=lambda s: s[0] * s[1])
    return Fit(boxes, unfit, smallest_box, smallest_anchor) if boxes else None
