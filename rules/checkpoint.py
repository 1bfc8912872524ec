"""Rules about train_config.fine_tune_checkpoint and how it is restored."""

from pathlib import Path

from pipecheck import N_, Finding, _, cannot_decide, rule
from pipecheck.rulekit import exists, home_expansion, is_remote, problem_with
from pipecheck.rulekit import is_dir as _is_dir

from ._checkpoint_paths import (
    DATA_SHARD,
    absent_prefix,
    actual_prefix,
    as_value,
    names_the_folder,
    nearby,
    prefix_in,
    state_file_or_folder,
)
from ._common import is_placeholder

CODES = ("PC300", "PC307")

# The review's sign-off items these rules pre-fill.
CHECKPOINT_IS_THE_NETWORKS = N_("The checkpoint is the downloaded network's ckpt-0, restored as detection")

FIELD = "train_config.fine_tune_checkpoint"
CHECKPOINT_TYPES = ("detection", "classification", "full")


def _checkpoint_value(config):
    value = config.train.fine_tune_checkpoint
    if not value or is_placeholder(value):
        return None
    if is_remote(value):
        cannot_decide(_("the checkpoint is remote ({path})", path=value))
    return value


@rule("PC301", "checkpoint-is-a-prefix", category="checkpoint", fix="safe", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_is_a_prefix(config, project, project_files):
    """fine_tune_checkpoint is a checkpoint prefix such as .../checkpoint/ckpt-0.

    Catalogue: C-06, C-07, C-08, C-09

    Why: TensorFlow opens `<prefix>.index` and `<prefix>.data-*`. A folder fails with
    "DataLossError: Unable to open table file ... Is a directory", a file name
    (ckpt-0.index, ckpt-0.data-00000-of-00001) with "not an sstable (bad magic number)",
    and the TF1 name model.ckpt with "Failed to find any matching files", each after the
    model is built. The course insists: the value ends with /ckpt-0. A value ending in
    checkpoint (the folder, or the state file of that name inside it) is recognised by its
    name even when the files are absent (a published repository never has them), and the
    prefix to write is said: .../checkpoint/ckpt-0.

    Bad (a folder):
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint"
    Bad (a file):
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.index"
    Bad (TF1 name):
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/model.ckpt"
    Bad (the state file):
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/checkpoint"
    Bad (a folder this checkout lacks):
        train_config.fine_tune_checkpoint: "pre-trained/ssd_mobilenet_v2_320x320_coco17_tpu-8/checkpoint"
    Bad (another machine's folder):
        train_config.fine_tune_checkpoint: "/content/models/pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint"
    Good:
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0"

    Fix: safe; writes the prefix of the checkpoint found there (or the project's checkpoint
    whose path ends like it); a prefix that is absent is only said.
    """
    value = _checkpoint_value(config)
    if value is None:
        return None
    path = project.resolve(value)
    corrected, problem, missing = actual_prefix(path), None, None
    if _is_dir(path):
        problem = _("fine_tune_checkpoint is a folder")
    elif path.name.endswith(".index"):
        problem = _("fine_tune_checkpoint is the .index file")
    elif DATA_SHARD.search(path.name):
        problem = _("fine_tune_checkpoint is a data file")
    elif names_the_folder(path):
        corrected, missing, problem = state_file_or_folder(path)
    elif path.name.startswith("model.ckpt") and not exists(Path(f"{path}.index")):
        corrected, problem = prefix_in(path.parent), _("fine_tune_checkpoint uses the TF1 name model.ckpt")
    elif path.name.startswith("model.ckpt"):
        return Finding(
            _(
                "{path} is a TF1 name-based checkpoint: model_main_tf2.py stops with 'Checkpoint is "
                "expected to be an object-based checkpoint'",
                path=value,
            ),
            field=FIELD,
            hint=_("download the TF2 version of this network from the TF2 detection model zoo"),
        )
    if problem is None:
        return None
    if corrected is None and missing is not None:  # absent here: the zoo archive's name for the prefix
        return absent_prefix(value, missing, problem, project, project_files)
    if corrected is None:
        return Finding(
            _("{problem}; TensorFlow needs the checkpoint prefix and there is no *.index file there", problem=problem),
            field=FIELD,
            hint=_("point at the prefix in <net>/checkpoint/ of the extracted zoo archive"),
        )
    fixed = as_value(value, corrected, project)
    return Finding(
        _("{problem}; TensorFlow needs the checkpoint prefix: {prefix}", problem=problem, prefix=fixed),
        field=FIELD,
        hint=_('write fine_tune_checkpoint: "{prefix}"', prefix=fixed),
        replacement=f'"{fixed}"',
    )


@rule("PC302", "checkpoint-files-exist", category="checkpoint", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_files_exist(config, project):
    """The checkpoint's .index and every .data shard exist.

    Catalogue: C-06, C-08, F-02

    Why: a prefix whose files are missing (a wrong folder, an archive extracted elsewhere,
    a download cut short) fails with "Unsuccessful TensorSliceReader constructor" after the
    model is built. Values that are not prefixes are PC301's. The hint follows the name: a
    run's own ckpt-N is copied from that run, but a TF1 Saver's name (first_model.ckpt,
    frozen.ckpt-2000; a TF2 run writes ckpt-N, and model.ckpt is PC301's) would be refused once
    found ("Checkpoint is expected to be an object-based checkpoint"), so it points at the TF2
    zoo's archive.

    Bad:
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-1"
    Bad (a TF1 run's name):
        train_config.fine_tune_checkpoint: "faces_cubes/training/first_model.ckpt"
    Bad (a shard missing):
        rm pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.data-00000-of-00001
        expect train_config.fine_tune_checkpoint
    Good:
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0"

    The course's other spelling (pre_trained/ for pre-trained/) is PC206's: the same file under
    another path, which `pipecheck fix` writes.
    """
    value = _checkpoint_value(config)
    if value is None:
        return None
    prefix = project.resolve(value)
    if _is_dir(prefix) or prefix.name.endswith(".index") or DATA_SHARD.search(prefix.name) or names_the_folder(prefix):
        cannot_decide(_("fine_tune_checkpoint is not a prefix (see PC301)"))
    if home_expansion(value, prefix=True) is not None:
        return None  # it exists once ~ is expanded, which TensorFlow does not do: PC207 says what to write
    index = Path(f"{prefix}.index")
    if not exists(index):
        problem = problem_with(index)
        if problem is not None:
            return Finding(
                _("{path}: {problem}", path=project.display(index), problem=problem),
                field=FIELD,
                hint=_(
                    "fine_tune_checkpoint is the prefix of the .index and .data files: "
                    "pre-trained/<net>/checkpoint/ckpt-0"
                ),
            )
        if Path(value.replace("\\", "/")).name.startswith("model.ckpt"):  # also written on Windows
            cannot_decide(_("a TF1 checkpoint name (see PC301)"))
        elsewhere = [base for base in project.other_bases() if exists(Path(f"{project.resolve(value, base)}.index"))]
        hint = (
            _("it exists relative to {base}: run from there or pass --root {base}", base=elsewhere[0])
            if elsewhere
            else nearby(prefix, value, project)
        )
        return Finding(_("not found: {path}", path=project.display(index)), field=FIELD, hint=hint)
    shards = sorted(prefix.parent.glob(f"{prefix.name}.data-*-of-*"))
    if not shards:
        return Finding(
            _("{path} exists but no {name}.data-*-of-* file beside it", path=project.display(index), name=prefix.name),
            field=FIELD,
            hint=_("extract the whole zoo archive again: the weights are in the .data files"),
        )
    counts = {int(DATA_SHARD.search(s.name).group(2)) for s in shards if DATA_SHARD.search(s.name)}
    names = {s.name for s in shards}
    missing = []  # the count comes from a file name: never build range(count), look only past what exists
    for n in sorted(counts):
        for i in range(min(n, len(names) + 4)):
            if f"{prefix.name}.data-{i:05d}-of-{n:05d}" not in names:
                missing.append(f"{prefix.name}.data-{i:05d}-of-{n:05d}")
    if missing or len(counts) > 1:
        return Finding(
            _("checkpoint shards missing: {shards}", shards=", ".join(missing[:4]) or _("inconsistent shard counts")),
            field=FIELD,
            hint=_("extract the whole zoo archive again"),
        )
    return None


@rule("PC303", "checkpoint-version-v2", category="checkpoint", fix="safe", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_version_v2(config):
    """fine_tune_checkpoint_version is V2 whenever a checkpoint is given.

    Catalogue: C-05

    Why: the proto default is V1, so deleting the line (a common reaction to an old OD
    API that does not know the field) makes training stop with "ValueError: Checkpoint
    version should be V2" once the model is built.

    Bad:
        delete train_config.fine_tune_checkpoint_version
    Good:
        train_config.fine_tune_checkpoint_version: V2

    Fix: safe; writes V2.
    """
    if not config.train.fine_tune_checkpoint:
        return None
    field = "train_config.fine_tune_checkpoint_version"
    if not config.written(field):
        return Finding(
            _(
                "fine_tune_checkpoint_version is not set, and its default V1 makes training stop with "
                "'Checkpoint version should be V2'"
            ),
            field=field,
            hint=_("add fine_tune_checkpoint_version: V2 to train_config"),
            replacement="V2",
        )
    version = config.located.locations[field].parsed
    if version != "V2":
        return Finding(
            _("fine_tune_checkpoint_version is {version}; TF2 training accepts only V2", version=version),
            field=field,
            hint=_("write fine_tune_checkpoint_version: V2"),
            replacement="V2",
        )
    return None


@rule("PC304", "checkpoint-type-valid", category="checkpoint", fix="safe", checklist=CHECKPOINT_IS_THE_NETWORKS)
def checkpoint_type_valid(config):
    """fine_tune_checkpoint_type is detection, classification or full.

    Catalogue: C-03

    Why: older advice for CenterNet says "fine_tune", and "Detection" or "detect" look
    right; the model builder rejects them once the model is built ("Not supported
    fine_tune_checkpoint_type", or CenterNet's "fine_tune is no longer supported"). Whether
    the type fits the checkpoint itself is PC309's.

    Bad:
        train_config.fine_tune_checkpoint_type: "fine_tune"
    Bad (capitalised):
        train_config.fine_tune_checkpoint_type: "Detection"
    Good:
        train_config.fine_tune_checkpoint_type: "detection"

    Fix: safe for a different case ("Detection" becomes "detection").
    """
    kind = config.train.fine_tune_checkpoint_type
    if not kind or kind in CHECKPOINT_TYPES:
        return None
    lower = kind.lower()
    reason = (
        _("CenterNet rejects 'fine_tune' (it was renamed 'detection')")
        if kind == "fine_tune"
        else _("the model builder raises 'Not supported fine_tune_checkpoint_type'")
    )
    return Finding(
        _(
            "fine_tune_checkpoint_type {kind!r} is not one of {types}: {reason}",
            kind=kind,
            types=", ".join(CHECKPOINT_TYPES),
            reason=reason,
        ),
        field="train_config.fine_tune_checkpoint_type",
        hint=_('write fine_tune_checkpoint_type: "{kind}"', kind=lower if lower in CHECKPOINT_TYPES else "detection"),
        replacement=f'"{lower}"' if lower in CHECKPOINT_TYPES else None,
    )


@rule("PC305", "fine-tune-checkpoint-set", category="checkpoint", severity="warning")
def fine_tune_checkpoint_set(config):
    """A checkpoint to fine-tune from is given.

    Catalogue: C-13

    Why: with fine_tune_checkpoint empty or commented out (often to silence another
    error), the OD API trains from random weights without a word: hours later the model
    detects nothing.

    Bad:
        delete train_config.fine_tune_checkpoint
    Good:
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0"
    """
    if config.train.fine_tune_checkpoint:
        return None
    return Finding(
        _(
            "no fine_tune_checkpoint: training starts from random weights and needs far more steps and data "
            "than fine-tuning"
        ),
        field=FIELD,
        hint=_('write fine_tune_checkpoint: "pre-trained/<net>/checkpoint/ckpt-0"'),
    )


@rule("PC306", "no-tf1-checkpoint-options", category="checkpoint")
def no_tf1_checkpoint_options(config):
    """No TF1-only checkpoint options (load_all_detection_checkpoint_vars, from_detection_checkpoint).

    Catalogue: C-14

    Why: TF2 training raises "load_all_detection_checkpoint_vars unsupported in TF2";
    from_detection_checkpoint is deprecated and read only when fine_tune_checkpoint_type
    is empty, so it mostly misleads (a quiet finding: -v lists it).

    Bad:
        train_config.load_all_detection_checkpoint_vars: true
    Good:
        train_config.load_all_detection_checkpoint_vars: false
    """
    if config.train.load_all_detection_checkpoint_vars:
        yield Finding(
            _("load_all_detection_checkpoint_vars is TF1-only: TF2 training stops with 'unsupported in TF2'"),
            field="train_config.load_all_detection_checkpoint_vars",
            hint=_('delete the line; fine_tune_checkpoint_type: "detection" does this in TF2'),
        )
    if config.written("train_config.from_detection_checkpoint"):
        # TF2 still honours it when the type is unset (config_util.update_fine_tune_checkpoint_type): a detail then
        typed = config.train.fine_tune_checkpoint_type
        decided = "detection" if config.train.from_detection_checkpoint else "classification"
        yield Finding(
            _(
                "from_detection_checkpoint is deprecated and ignored: fine_tune_checkpoint_type {type!r} decides "
                "what is restored",
                type=typed,
            )
            if typed
            else _(
                "from_detection_checkpoint is deprecated, but with fine_tune_checkpoint_type unset it decides: "
                "model_lib_v2 restores the checkpoint as {type!r} (config_util.update_fine_tune_checkpoint_type)",
                type=decided,
            ),
            field="train_config.from_detection_checkpoint",
            severity="warning",
            hint=_('delete the line and write fine_tune_checkpoint_type: "{type}"', type=typed or decided),
            tier="quiet" if typed else "detail",
        )


@rule("PC307", "full-restore-keeps-classes", category="checkpoint")
def full_restore_keeps_classes(config, original):
    """fine_tune_checkpoint_type "full" is used only with the original number of classes.

    Catalogue: C-04

    Why: "full" restores every variable, the class heads included; with a new num_classes
    the head shapes differ and the restore fails with "Received incompatible tensor with
    shape". Use "detection" to keep the heads fresh.

    Bad:
        train_config.fine_tune_checkpoint_type: "full"
    Good:
        train_config.fine_tune_checkpoint_type: "detection"
    Undecided (no model block: no num_classes to compare):
        train_config.fine_tune_checkpoint_type: "full"
        delete model
    """
    if config.train.fine_tune_checkpoint_type != "full":
        return None
    if original is None or original.num_classes is None:
        cannot_decide(_("no original config to compare num_classes with"))
    mine, theirs = config.num_classes, original.num_classes
    if mine is None:
        cannot_decide(_("{arch} has no num_classes", arch=config.arch or _("the model")))
    if mine != theirs:
        return Finding(
            _(
                'fine_tune_checkpoint_type "full" restores the class heads, made for {theirs} classes, into a '
                "model of {mine}: the restore fails with 'Received incompatible tensor'",
                theirs=theirs,
                mine=mine,
            ),
            field="train_config.fine_tune_checkpoint_type",
            hint=_('write "detection"'),
            replacement='"detection"',
        )
    return None
