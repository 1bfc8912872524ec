"""Rules that read the fine-tune checkpoint's index: what it holds, and whether it is intact."""

from pipecheck import N_, Finding, _, cannot_decide, rule
from pipecheck.rulekit import backbone_family, family_of_extractor

CODES = ("PC308", "PC312")

# The review's sign-off items these rules pre-fill.
CHECKPOINT_IS_THE_NETWORKS = N_("The checkpoint is the downloaded network's ckpt-0, restored as detection")

FIELD = "train_config.fine_tune_checkpoint"
TYPE_FIELD = "train_config.fine_tune_checkpoint_type"


def _readable(checkpoint):
    if not checkpoint.readable:
        cannot_decide(_("the checkpoint index cannot be read (see PC310)"))
    return checkpoint


@rule("PC308", "checkpoint-object-based", category="checkpoint", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_object_based(checkpoint):
    """The checkpoint is an object-based TF2 checkpoint.

    Catalogue: C-09

    Why: TF1 zoo checkpoints (model.ckpt, name-based) and checkpoints from other tools lack
    the object graph TF2 restores from: model_main_tf2.py stops with "Checkpoint is expected
    to be an object-based checkpoint" after building the model. The OD API's own test is
    whether _CHECKPOINTABLE_OBJECT_GRAPH is among the names; so is pipecheck's.

    Bad:
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint tf1
        expect train_config.fine_tune_checkpoint
    Good:
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint faster_rcnn
    """
    if _readable(checkpoint).object_based:
        return None
    return Finding(
        _(
            "the checkpoint ({count} tensors) has no _CHECKPOINTABLE_OBJECT_GRAPH: it is a TF1, name-based "
            "checkpoint that TF2 training cannot restore",
            count=len(checkpoint.entries),
        ),
        field=FIELD,
        hint=_("download the TF2 version of this network (TF2 Detection Model Zoo)"),
    )


@rule("PC309", "checkpoint-type-fits-contents", category="checkpoint", fix="safe", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_type_fits_contents(config, checkpoint):
    """fine_tune_checkpoint_type fits what the checkpoint holds: detection for a detection model.

    Catalogue: C-01, C-02

    Why: every zoo pipeline.config says "classification", which restores an ImageNet
    backbone; on a zoo detection checkpoint training stops after start-up with "Some Python
    objects were not bound to checkpointed values". A missing type means classification too.
    The other way round, "detection" on a backbone checkpoint stops with "The checkpoint
    type 'detection' is not supported when it contains variable names with
    'feature_extractor'".

    Bad:
        train_config.fine_tune_checkpoint_type: "classification"
    Bad (missing):
        delete train_config.fine_tune_checkpoint_type
    Bad (a backbone checkpoint):
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint classification
        expect train_config.fine_tune_checkpoint_type
    Good:
        train_config.fine_tune_checkpoint_type: "detection"

    Fix: safe; writes the type the checkpoint's contents call for.
    """
    holds = _readable(checkpoint).kind
    if holds not in ("detection", "classification"):
        return None
    written = config.train.fine_tune_checkpoint_type
    effective = written or ("detection" if config.train.from_detection_checkpoint else "classification")
    if holds == "detection" and effective == "classification":
        message = (
            _(
                "fine_tune_checkpoint_type is classification but the checkpoint holds a whole detection model "
                "(model/...): training stops with 'Some Python objects were not bound to checkpointed values'"
            )
            if written
            else _(
                "fine_tune_checkpoint_type is not set, so classification, but the checkpoint holds a whole "
                "detection model (model/...): training stops with 'Some Python objects were not bound to "
                "checkpointed values'"
            )
        )
        return Finding(
            message, field=TYPE_FIELD, hint=_('write fine_tune_checkpoint_type: "detection"'), replacement='"detection"'
        )
    if holds == "classification" and effective in ("detection", "full"):
        return Finding(
            _(
                "fine_tune_checkpoint_type is {kind} but the checkpoint holds only a backbone "
                "(feature_extractor/...): training stops before the first step",
                kind=effective,
            ),
            field=TYPE_FIELD,
            hint=_('write fine_tune_checkpoint_type: "classification", or use a zoo detection checkpoint'),
            replacement='"classification"',
        )
    return None


@rule("PC310", "checkpoint-intact", category="checkpoint", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_intact(checkpoint):
    """The checkpoint's index reads, every data shard is there and long enough, every tensor checksums.

    Catalogue: C-06, C-08 (damaged or partial downloads)

    Why: an archive extracted halfway, a shard missing or cut short, or a damaged file only
    fails when TensorFlow restores the weights, after the model is built.

    Bad (cut short):
        truncate pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.data-00000-of-00001 100
        expect train_config.fine_tune_checkpoint
    Bad (damaged):
        corrupt pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.data-00000-of-00001 40
        expect train_config.fine_tune_checkpoint
    Good (the checkpoint written again, whole):
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint faster_rcnn
    """
    for problem in checkpoint.problems:
        yield Finding(
            _("checkpoint {problem}", problem=problem["message"]),
            field=FIELD,
            hint=_("extract the zoo archive again (or download it again)"),
        )


@rule("PC311", "checkpoint-matches-architecture", category="checkpoint", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_matches_architecture(config, checkpoint):
    """The checkpoint was saved from the meta-architecture and backbone family the config builds.

    Catalogue: C-10

    Why: the config of one network with the checkpoint of another (an SSD config with a
    Faster R-CNN checkpoint, a MobileNet config with a ResNet checkpoint) fails when the
    weights are restored: "Found 128 Python objects that were not bound to checkpointed
    values". The meta-architecture shows in the names the checkpoint keeps
    (model/_box_predictor for SSD, model/_first_stage_box_predictor for Faster R-CNN,
    model/_prediction_head_dict for CenterNet), the backbone in its kernel shapes.

    Bad:
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint ssd
        expect train_config.fine_tune_checkpoint
    Good:
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint faster_rcnn
    """
    if _readable(checkpoint).kind != "detection":
        return None
    saved = checkpoint.meta_architecture
    if saved is not None and config.arch is not None and saved != config.arch:
        return Finding(
            _(
                "the checkpoint was saved from a {saved} model but the config builds {arch}: restoring fails "
                "with 'objects were not bound to checkpointed values'",
                saved=saved,
                arch=config.arch,
            ),
            field=FIELD,
            hint=_("use the checkpoint of the network the config is for (same zoo folder)"),
        )
    wanted, found = family_of_extractor(config.feature_extractor_type()), backbone_family(checkpoint)
    if wanted and found and wanted != found:
        return Finding(
            _(
                "the checkpoint's backbone looks like {found} but the config builds {extractor}: restoring fails",
                found=found,
                extractor=config.feature_extractor_type(),
            ),
            field=FIELD,
            hint=_("use the checkpoint of the network the config is for (same zoo folder)"),
        )
    return None


# What the OD API's restore_from_objects hands to tf.train.Checkpoint for a detection checkpoint: the objects
# under model/ that must be in it (meta_architectures/*_meta_arch.py).
_DETECTION_RESTORES = {
    "faster_rcnn": (
        "model/_feature_extractor_for_proposal_features",
        "model/_feature_extractor_for_box_classifier_features",
    ),
    "ssd": ("model/_feature_extractor",),
    "center_net": ("model/_feature_extractor",),
}
_BOOKKEEPING = ("save_counter", "optimizer", "step", "global_step")


@rule("PC312", "checkpoint-restorable", category="checkpoint", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_restorable(config, checkpoint):
    """The checkpoint's object graph holds the model variables the OD API restores.

    Catalogue: C-09, C-10

    Why: TF2 restores through the checkpoint's object graph
    (_CHECKPOINTABLE_OBJECT_GRAPH), not through tensor names. An empty graph (a file not
    written by tf.train.Checkpoint) stops training with "IndexError: list index out of
    range" after the model is built; a graph with no model variables, or with another
    model's (no model/_feature_extractor... where fine-tuning looks), or no save_counter
    (Checkpoint.write instead of save) stops it with "objects were not bound to
    checkpointed values". PC308 checks the graph is there at
    all, PC309 the type against the contents, PC311 the meta-architecture.

    Bad (an empty object graph, like the example's stand-in):
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint empty-graph
        expect train_config.fine_tune_checkpoint
    Bad (no model variables):
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint no-model
        expect train_config.fine_tune_checkpoint
    Bad (no save_counter, as Checkpoint.write leaves it out):
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint no-save-counter
        expect train_config.fine_tune_checkpoint
    Bad (another model's variables):
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint keras-classifier
        expect train_config.fine_tune_checkpoint
    Good:
        standin pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint faster_rcnn
    """
    if not _readable(checkpoint).object_based:
        return None  # PC308's
    if checkpoint.graph_nodes is None:
        cannot_decide(_("the checkpoint's object graph could not be read"))
    hint = _(
        "use the checkpoint of the zoo archive for this network (pre-trained/<net>/checkpoint/ckpt-0), or one "
        "saved by tf.train.Checkpoint(model=...) from this config"
    )
    if checkpoint.graph_nodes == 0:
        return Finding(
            _(
                "the checkpoint's object graph is empty: TF2 restores through it, and training stops with "
                "'IndexError: list index out of range' once the model is built; it was not written by "
                "tf.train.Checkpoint (a stand-in?)"
            ),
            field=FIELD,
            hint=hint,
        )
    held = {name: count for name, count in checkpoint.graph_variables.items() if count}
    if not any(name.split("/")[0] not in _BOOKKEEPING for name in held):
        return Finding(
            _(
                "the checkpoint holds no model variables (only {names}): fine-tuning has nothing to restore "
                "and training stops with 'objects were not bound to checkpointed values'",
                names=", ".join(sorted(held)) or _("an empty root"),
            ),
            field=FIELD,
            hint=hint,
        )
    if "save_counter" not in held:
        return Finding(
            _(
                "the checkpoint has no save_counter: the OD API restores it into a tf.train.Checkpoint that "
                "has one, and training stops with 'Found 1 Python objects that were not bound to checkpointed "
                "values' (a file written by Checkpoint.write, not save)"
            ),
            field=FIELD,
            hint=hint,
        )
    return _another_models_variables(config, checkpoint, held, hint)


def _another_models_variables(config, checkpoint, held: dict, hint: str):
    """PC312's last check: the objects the fine_tune_checkpoint_type restores for this architecture are there."""
    kind = config.train.fine_tune_checkpoint_type or (
        "detection" if config.train.from_detection_checkpoint else "classification"
    )
    if kind != checkpoint.kind or (checkpoint.meta_architecture not in (None, config.arch)):
        return None  # PC309 (type against contents) or PC311 (another meta-architecture) explain it better
    wanted = (
        ("model",)
        if kind == "full"
        else ("feature_extractor",)
        if kind == "classification"
        else _DETECTION_RESTORES.get(config.arch, ("model",))
    )
    missing = [name for name in wanted if name not in held]
    if not missing:
        return None
    found = sorted(name for name in held if name.startswith("model/")) or sorted(held)
    return Finding(
        _(
            "the checkpoint has no {missing}, which {kind} fine-tuning of {arch} restores; it holds {found}: "
            "the variables of another model, and training stops with 'objects were not bound to "
            "checkpointed values'",
            missing=", ".join(missing),
            kind=kind,
            arch=config.arch,
            found=", ".join(found[:4]) + (" …" if len(found) > 4 else ""),
        ),
        field=FIELD,
        hint=hint,
    )
