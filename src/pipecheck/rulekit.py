"""The facts and helpers a rule may use beyond `from pipecheck import rule, Finding, ...`.

This is the whole API the built-in rules use (they import nothing else of pipecheck), so a
user's rule can do everything a built-in one does, and pipecheck's inner modules stay free
to change. Fixtures give rules their data; these compute with it.
"""

from pipecheck.artifacts.checkpoint import backbone_family, family_of_extractor
from pipecheck.artifacts.label_map import label_map_ids
from pipecheck.artifacts.tflite import detections_returned, tflite_models
from pipecheck.guarded import exists, file_size, is_dir, problem_with
from pipecheck.odapi.anchors import MODELLED_RESIZERS, anchor_fit, anchor_shapes, matching
from pipecheck.odapi.distribution import MULTI_WORKER, TPU, default_distribution
from pipecheck.odapi.estimates import estimate_training
from pipecheck.odapi.exposure import class_exposure
from pipecheck.odapi.heads import class_head_width, newest_trained_checkpoint, read_checkpoint_index
from pipecheck.odapi.machine import format_bytes
from pipecheck.odapi.schedules import (
    DECAYED_SHARE,
    base_rate,
    cosine_rate,
    decays_within,
    describe_others,
    rate_at,
    scaled_to_batch,
    suggested_cosine,
)
from pipecheck.odapi.zoo import zoo_network
from pipecheck.project import ZOO_PLACEHOLDER, is_placeholder, is_remote, placeholders
from pipecheck.project.relocate import home_expansion, launched_elsewhere, tail_parts, written_elsewhere

__all__ = [
    "DECAYED_SHARE",
    "decays_within",
    "detections_returned",
    "MULTI_WORKER",
    "TPU",
    "ZOO_PLACEHOLDER",
    "backbone_family",
    "class_exposure",
    "class_head_width",
    "cosine_rate",
    "default_distribution",
    "estimate_training",
    "exists",
    "family_of_extractor",
    "file_size",
    "format_bytes",
    "home_expansion",
    "is_dir",
    "is_placeholder",
    "is_remote",
    "label_map_ids",
    "placeholders",
    "launched_elsewhere",
    "newest_trained_checkpoint",
    "problem_with",
    "rate_at",
    "read_checkpoint_index",
    "scaled_to_batch",
    "suggested_cosine",
    "base_rate",
    "describe_others",
    "tail_parts",
    "zoo_network",
    "written_elsewhere",
    "MODELLED_RESIZERS",
    "anchor_fit",
    "anchor_shapes",
    "matching",
    "tflite_models",
]
