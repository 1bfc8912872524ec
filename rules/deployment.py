"""Rules about the TFLite model exported from the config's folder: what the export needs, what it keeps (PC690 on)."""

from pipecheck import Finding, _, cannot_decide, rule
from pipecheck.rulekit import detections_returned, tflite_models

from ._common import record_place

CODES = ("PC690", "PC699")

_TFLITE_ARCHS = ("ssd", "center_net")  # export_tflite_graph_lib_tf2.py:340-356


@rule("PC690", "tflite-export-possible", category="model")
def tflite_export_possible(config, project):
    """A config whose folder holds a TFLite model can be exported to TFLite again.

    Catalogue: M-06

    Why: a .tflite file in the config's folder (pipecheck export --tflite writes
    tfliteN/model.tflite, the course's notebook tfliteexport/) says the model is meant for a
    phone or a Raspberry Pi. export_tflite_graph_tf2.py builds only SSD and CenterNet networks
    ("Only ssd or center_net models are supported in tflite", export_tflite_graph_lib_tf2.py:
    353-356) and only with a fixed input size ("Only fixed_shape_resizeris supported with
    tflite", :99-103 for SSD, :247-250 for CenterNet): a Faster R-CNN, or an SSD with
    keep_aspect_ratio_resizer (every EfficientDet), trains for hours and then cannot be
    exported. Without a TFLite model beside the config nothing says TFLite is the target, and
    the rule passes.

    Bad:
        file faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/tflite1/model.tflite: any bytes
        expect model.faster_rcnn
    Bad (a keep_aspect_ratio_resizer):
        base ssd
        file faces_cubes/training/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/tflite1/model.tflite: any bytes
        delete model.ssd.image_resizer.fixed_shape_resizer
        model.ssd.image_resizer.keep_aspect_ratio_resizer.min_dimension: 320
        model.ssd.image_resizer.keep_aspect_ratio_resizer.max_dimension: 320
        model.ssd.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: true
        expect model.ssd.image_resizer
    Good:
        base ssd
        file faces_cubes/training/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/tflite1/model.tflite: any bytes
    """
    models = tflite_models(project.config_dir)
    if not models:
        return None
    shown = project.display(models[0])
    if config.arch not in _TFLITE_ARCHS:
        return Finding(
            _(
                "{model} says this network goes to TFLite, but the OD API exports only SSD and CenterNet "
                "networks to TFLite, not {arch}",
                model=shown,
                arch=config.arch,
            ),
            field=f"model.{config.arch}",
            hint=_("train an SSD with fixed_shape_resizer (the course's SSD MobileNet V2 FPNLite 320) for TFLite"),
        )
    resizer = config.model.image_resizer.WhichOneof("image_resizer_oneof")
    if resizer != "fixed_shape_resizer":
        return Finding(
            _(
                "{model} says this network goes to TFLite, whose export needs fixed_shape_resizer, not {resizer}: "
                "the export stops with 'Only fixed_shape_resizer is supported with tflite'",
                model=shown,
                resizer=resizer,
            ),
            field=f"model.{config.arch}.image_resizer",
            hint=_("use fixed_shape_resizer {{ height: 320 width: 320 }} before training"),
        )
    return None


@rule("PC691", "tflite-keeps-every-object", category="model", severity="warning")
def tflite_keeps_every_object(records, project):
    """The TFLite model beside the config returns as many detections as one image has objects.

    Catalogue: U-19

    Why: export_tflite_graph_tf2.py ends the graph in TFLite's own post-processing op, which
    returns at most --max_detections boxes, 10 unless given (export_tflite_graph_tf2.py:117,
    export_tflite_graph_lib_tf2.py:113); max_total_detections in the config does not change it.
    Users see "only 10 detections per image" on the phone while the SavedModel finds more
    (tensorflow/tensorflow#48343, google-coral/tflite#44). The count is read from the model:
    the max_detections option of its TFLite_Detection_PostProcess op; the objects from the
    records.

    Bad:
        base ssd
        tflite faces_cubes/training/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/tflite1/model.tflite 3
        expect file tflite1/model.tflite
    Good:
        base ssd
        tflite faces_cubes/training/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/tflite1/model.tflite 10
    Undecided (not a TFLite detection model):
        base ssd
        file faces_cubes/training/ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8/tflite1/model.tflite: any bytes
    """
    models = tflite_models(project.config_dir)
    if not models:
        return None
    most, facts, index = 0, None, None
    for reader in records.readers.values():
        for file_facts in reader.files:
            for position, count in enumerate(file_facts.objects):
                if count > most:
                    most, facts, index = count, file_facts, position
    kept = {model: detections_returned(model) for model in models}
    if all(count is None for count in kept.values()):
        cannot_decide(_("{model} is not a TFLite detection model pipecheck can read", model=project.display(models[0])))
    for model, count in kept.items():
        if count is not None and count < most:
            yield Finding(
                _(
                    "{model} returns at most {count} detections but an image holds {most} objects ({place}): "
                    "TFLite's post-processing keeps --max_detections boxes (10 by default), whatever "
                    "max_total_detections says",
                    model=project.display(model),
                    count=count,
                    most=most,
                    place=record_place(facts, index),
                ),
                file=model,
                hint=_("export again with --max_detections={most} (pipecheck export --tflite passes it)", most=most),
            )
