"""A config written for TF1 (model_main.py, legacy/train.py): one finding that says so first."""

import re
from pathlib import Path

from pipecheck import Finding, _, rule

from .model import TF2_FEATURE_EXTRACTORS

CODES = ("PC020", "PC099")

# The TF2 zoo network to start from instead of a TF1 feature extractor (longest prefix first).
TF2_EQUIVALENTS = [
    ("ssd_mobilenet_v1_fpn", "ssd_mobilenet_v1_fpn_640x640_coco17_tpu-8"),
    ("ssd_mobilenet_v1", "ssd_mobilenet_v1_fpn_640x640_coco17_tpu-8"),
    ("ssd_mobilenet_v2_fpn", "ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8"),
    ("ssd_mobilenet_v", "ssd_mobilenet_v2_320x320_coco17_tpu-8"),
    ("ssd_inception_v", "ssd_mobilenet_v2_320x320_coco17_tpu-8"),
    ("ssd_resnet50", "ssd_resnet50_v1_fpn_640x640_coco17_tpu-8"),
    ("ssd_resnet101", "ssd_resnet101_v1_fpn_640x640_coco17_tpu-8"),
    ("ssd_resnet152", "ssd_resnet152_v1_fpn_640x640_coco17_tpu-8"),
    ("ssd_", "ssd_mobilenet_v2_320x320_coco17_tpu-8"),
    ("faster_rcnn_inception_resnet_v2", "faster_rcnn_inception_resnet_v2_640x640_coco17_tpu-8"),
    ("faster_rcnn_resnet101", "faster_rcnn_resnet101_v1_640x640_coco17_tpu-8"),
    ("faster_rcnn_resnet152", "faster_rcnn_resnet152_v1_640x640_coco17_tpu-8"),
    ("faster_rcnn_", "faster_rcnn_resnet50_v1_640x640_coco17_tpu-8"),
]
MASK_RCNN = "mask_rcnn_inception_resnet_v2_1024x1024_coco17_gpu-8"
# The rules whose findings on a TF1 config are consequences of it, shown under its finding.
TF1_CONSEQUENCES = (
    *("PC303", "PC301", "PC302", "PC306", "PC308", "PC309", "PC310", "PC311"),
    *("PC508", "PC511", "PC607", "PC610"),
)
# samples/configs of the TF1 OD API: ssd_mobilenet_v1_pets.config, faster_rcnn_inception_v2_coco.config...
_TF1_SAMPLE_NAME = re.compile(
    r"^(ssd|ssdlite|faster_rcnn|mask_rcnn|rfcn|embedded_ssd)_\w+_(pets|coco|oid\w*|kitti|fgvc)"
    r"\.config$"
)


@rule("PC021", "config-written-for-tf2", category="tf1")
def config_written_for_tf2(config, project):
    """The config is a TF2 config, not one written for TF1's model_main.py or train.py.

    Catalogue: M-05, C-08, C-14

    Why: tutorials from before 2020 (the TF1 samples ssd_mobilenet_v1_pets.config,
    faster_rcnn_inception_v2_pets.config, ...) name TF1 feature extractors, a model.ckpt
    checkpoint and TF1-only options. model_main_tf2.py stops at the first of them, one
    error per run. The way out is the TF2 zoo config of the nearest network, with this
    config's classes, paths, batch size and steps carried over; the details follow.
    Source: model_builder.py (TF2 builds only the *_keras extractors),
    model_lib_v2.py (load_all_detection_checkpoint_vars is "unsupported in TF2").

    Bad:
        model.faster_rcnn.feature_extractor.type: "faster_rcnn_inception_v2"
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_inception_v2_coco_2018_01_28/model.ckpt"
        expect model.faster_rcnn.feature_extractor.type
    Good:
        model.faster_rcnn.feature_extractor.type: "faster_rcnn_resnet50_keras"
    """
    kind = config.feature_extractor_type()
    known = TF2_FEATURE_EXTRACTORS.get(config.arch)
    tf1_extractor = bool(kind) and known is not None and config.arch != "center_net" and kind not in known
    evidence = []
    if tf1_extractor:
        evidence.append(_("its extractor type"))
    checkpoint = config.train.fine_tune_checkpoint
    if Path(checkpoint.replace("\\", "/")).name.startswith("model.ckpt"):
        evidence.append(Path(checkpoint.replace("\\", "/")).name)
    for option in ("from_detection_checkpoint", "load_all_detection_checkpoint_vars"):
        if config.written(f"train_config.{option}"):
            evidence.append(option)
    if _TF1_SAMPLE_NAME.match(project.config_path.name):
        evidence.append(_("its file name"))
    if any("model_main.py" in comment.text or "legacy/train.py" in comment.text for comment in config.located.comments):
        evidence.append(_("its comments"))
    if not tf1_extractor and len(evidence) < 2:
        return None
    zoo = _tf2_equivalent(config, kind)
    field = f"{config.arch_path}.feature_extractor.type" if tf1_extractor else None
    return Finding(
        _("a TF1 config ({evidence}): model_main_tf2.py cannot train it", evidence=", ".join(evidence)),
        field=field or _first_written(config),
        hint=_(
            "pipecheck init {zoo}.tar.gz --project NAME (the TF2 zoo's equivalent), then carry num_classes, the "
            "paths, batch_size and num_steps over",
            zoo=zoo,
        ),
        details=TF1_CONSEQUENCES,
    )


def _tf2_equivalent(config, kind: str) -> str:
    model = config.model
    if config.arch == "faster_rcnn" and model.second_stage_box_predictor.mask_rcnn_box_predictor.predict_instance_masks:
        return MASK_RCNN
    for prefix, zoo in TF2_EQUIVALENTS:
        if kind.startswith(prefix):
            return zoo
    return (
        TF2_EQUIVALENTS[0 if config.arch == "ssd" else -1][1]
        if config.arch in ("ssd", "faster_rcnn")
        else "ssd_mobilenet_v2_320x320_coco17_tpu-8"
    )


def _first_written(config) -> str:
    for option in ("fine_tune_checkpoint", "from_detection_checkpoint", "load_all_detection_checkpoint_vars"):
        if config.written(f"train_config.{option}"):
            return f"train_config.{option}"
    return "model"
