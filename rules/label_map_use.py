"""Rules about reading the label maps and what the config does with their classes: parsing, items,
train and eval agreeing, keypoints and flips."""

import re

from pipecheck import N_, Finding, _, cannot_decide, n_, rule

CODES = ("PC106", "PC199")

# The review's sign-off items these rules pre-fill.
LABEL_MAP_AGREES = N_("num_classes and the label map agree")


@rule("PC106", "label-map-parses", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_parses(label_maps):
    """Every label map the config names parses as a StringIntLabelMap.

    Catalogue: F-03, U-06

    Why: a label map that does not parse (a JSON or CSV file, smart quotes, a missing
    brace) fails only when training starts, and label_map_util then retries it as binary,
    so the error shown is a confusing DecodeError. pipecheck gives the text error instead.
    A byte that is not UTF-8, even in a comment, stops GFile.read() with a
    UnicodeDecodeError: its line, column and likely code page are given.

    Bad:
        file faces_cubes/training/label_map.pbtxt: {"one": 1, "two": 2}
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for value, loaded in label_maps.items():
        if hasattr(loaded, "located"):
            continue
        yield Finding(
            _("the label map {path} does not parse: {problem}", path=value, problem=loaded.message),
            file=loaded.path,
            line=loaded.line,
            column=loaded.column,
            hint=loaded.hint or _("write items as: item {{ id: 1 name: 'one' }}"),
        )


@rule("PC107", "label-map-one-class-per-item", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_one_class_per_item(label_maps):
    """Each `item { }` holds one id and one name.

    Catalogue: L-05

    Why: `item { id: 1 name: 'a' id: 2 name: 'b' }` (missing `item { }` separators) parses:
    the last id and name win, the other classes are unknown, and every box of theirs is
    dropped during training without a word.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' id: 2 name: 'two' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for loaded in label_maps.values():
        located = getattr(loaded, "located", None)
        if located is None:
            continue
        for note in located.notes:
            if note.kind != "duplicate" or not note.path.startswith("item["):
                continue
            item, _dot, field = note.path.partition(".")
            kept = note.second.parsed
            yield Finding(
                _(
                    "{item} sets {field} twice ({first!r} then {kept!r}); only {kept!r} is kept and the other "
                    "class is lost",
                    item=item,
                    field=field,
                    first=note.first.parsed,
                    kept=kept,
                ),
                file=loaded.path,
                line=note.second.line,
                column=note.second.column,
                hint=_("close each class with }} and open the next with item {{"),
            )


@rule("PC108", "label-map-items-named", category="label-map", severity="warning")
def label_map_items_named(label_map):
    """Every label map item has a name.

    Catalogue: L-09

    Why: the records' class text is matched against name and display_name (the decoder's
    _ClassTensorHandler looks it up in both), and evaluation shows display_name. An item
    with neither matches no box: its class never trains. An item with only a display_name
    works in the OD API (scripts such as the tutorial's generate_tfrecord.py key on name):
    an info for -v. All the items of one file are one finding.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 } item { id: 2 name: 'two' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    unnamed = [item for item in label_map.items if not item.has_name]
    if not unnamed:
        return None
    blank = [item for item in unnamed if not item.display_name]
    shown = blank or unnamed
    line, column = label_map.item_location(shown[0].index)
    ids = ", ".join(str(item.id) for item in shown)
    if blank:
        message = n_(
            "item with id {ids} has no name and no display_name: no class text in the records matches it",
            "items with ids {ids} have no name and no display_name: no class text in the records matches them",
            len(blank),
            ids=ids,
        )
    else:
        message = n_(
            "item with id {ids} has only a display_name, which the decoder matches too",
            "items with ids {ids} have only a display_name, which the decoder matches too",
            len(unnamed),
            ids=ids,
        )
    return Finding(
        message,
        file=label_map.path,
        line=line,
        column=column,
        hint=_("add name: '{name}' (the text stored in the records)", name=shown[0].display_name or "class"),
        severity=None if blank else "info",
        tier="default" if blank else "detail",
    )


@rule("PC109", "same-label-map-for-train-and-eval", category="label-map", severity="warning")
def same_label_map_for_train_and_eval(config, label_maps):
    """Training and evaluation use the same classes.

    Catalogue: F-07

    Why: evaluation takes its class names and ids from eval_input_reader.label_map_path and
    re-maps the class text of the eval records with it. Two different maps (an old file left
    in one reader) give wrong per-class metrics, silently.

    Bad:
        file faces_cubes/training/old_label_map.pbtxt: item { id: 1 name: 'two' } item { id: 2 name: 'one' }
        eval_input_reader[0].label_map_path: "faces_cubes/training/old_label_map.pbtxt"
    Good:
        file faces_cubes/training/copy_label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
        eval_input_reader[0].label_map_path: "faces_cubes/training/copy_label_map.pbtxt"
    """
    train_value = config.train_input.label_map_path
    train = label_maps.get(train_value)
    if not hasattr(train, "located"):
        cannot_decide(_("the training label map is not readable"))
    for index, reader in enumerate(config.eval_inputs):
        value = reader.label_map_path
        if not value:
            continue
        other = label_maps.get(value)
        if not hasattr(other, "located"):
            continue
        mine = {(i.id, i.name) for i in train.items}
        theirs = {(i.id, i.name) for i in other.items}
        if mine != theirs:
            only = sorted(theirs ^ mine)[:4]
            yield Finding(
                _(
                    "evaluation uses {eval}, whose classes differ from training's {train} (differences: {differences})",
                    eval=value,
                    train=train_value,
                    differences=", ".join(f"{i}:{n}" for i, n in only),
                ),
                field=f"eval_input_reader[{index}].label_map_path",
                hint=_('write label_map_path: "{path}"', path=train_value),
                replacement=f'"{train_value}"',
            )


@rule("PC110", "label-map-path-set", category="label-map", severity="warning", fix="unsafe")
def label_map_path_set(config):
    """Every input reader names a label map.

    Catalogue: F-03 (measured: removing label_map_path raises nothing)

    Why: without label_map_path the decoder ignores the class text in the records and
    uses image/object/class/label as stored; evaluation has no class names (model_lib_v2
    reads eval_input_reader's label map for its category index). Nothing warns. Training
    runs on the stored labels (PC704 checks them when the records are here), so for
    train_input_reader it is an info for -v.

    Bad:
        delete eval_input_reader[0].label_map_path
    Good:
        eval_input_reader[0].label_map_path: "faces_cubes/training/label_map.pbtxt"
    """
    for path, reader in config.input_readers():
        if not reader.label_map_path:
            yield Finding(
                _("{reader} has no label_map_path: class text in the records is ignored", reader=path),
                field=f"{path}.label_map_path",
                hint=_('add label_map_path: "<project>/training/label_map.pbtxt"'),
                **({} if path.startswith("eval") else {"severity": "info", "tier": "detail"}),
            )


@rule("PC111", "keypoint-classes-in-label-map", category="label-map")
def keypoint_classes_in_label_map(config, label_map):
    """Each CenterNet keypoint task names a class of the label map that has keypoints.

    Catalogue: L-10

    Why: the *_kpts_* zoo configs keep `keypoint_class_name: "/m/01g317"` (COCO's person);
    with your own label map the model builder fails with KeyError: '/m/01g317'. Use the
    non-keypoint config of the same network, or declare the keypoints in the label map.

    Bad:
        text: model { center_net { num_classes: 2 keypoint_estimation_task { task_name: "pose" keypoint_class_name: "/m/01g317" } } } train_input_reader { label_map_path: "faces_cubes/training/label_map.pbtxt" }
        option --select PC111
        expect model.center_net.keypoint_estimation_task[0].keypoint_class_name
    Good:
        text: model { center_net { num_classes: 2 keypoint_estimation_task { task_name: "corners" keypoint_class_name: "one" } } } train_input_reader { label_map_path: "faces_cubes/training/label_map.pbtxt" }
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' keypoints { id: 0 label: 'corner' } } item { id: 2 name: 'two' }
        option --select PC111
    """
    if config.arch != "center_net":
        return None
    known = {item.name for item in label_map.located.message.item if item.keypoints}
    for index, task in enumerate(config.model.keypoint_estimation_task):
        if task.keypoint_class_name not in known:
            yield Finding(
                _(
                    "keypoint task {task!r} needs class {name!r} with keypoints in the label map, which has "
                    "{known}: the model builder fails with KeyError",
                    task=task.task_name,
                    name=task.keypoint_class_name,
                    known=", ".join(sorted(known)) or _("no keypoints"),
                ),
                field=f"model.center_net.keypoint_estimation_task[{index}].keypoint_class_name",
                hint=_("start from the config without _kpts_ for boxes only"),
            )


_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _names_a_side(name: str) -> bool:
    """'left_hand', 'turnRight', 'Left', 'right-arrow'; not 'bright' or 'leftover'."""
    return any(word.lower() in ("left", "right") for word in _WORDS.findall(name or ""))


@rule("PC112", "flip-keeps-sides", category="label-map", severity="warning")
def flip_keeps_sides(config, label_map):
    """random_horizontal_flip is not used with classes (or keypoints) that name a side.

    Catalogue: none yet (found on published configs, issue 9)

    Why: random_horizontal_flip mirrors the image and its boxes but keeps every class: a
    flipped 'left' arrow, hand or turn sign is still labelled 'left' while it now points
    right, so half of the training examples of each side teach the other side. Keypoints
    named left_*/right_* need a keypoint_flip_permutation that swaps them. Source:
    core/preprocessor.py random_horizontal_flip (labels untouched, keypoints permuted
    only by keypoint_flip_permutation).

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'left_hand' } item { id: 2 name: 'right_hand' }
        train_config.data_augmentation_options[0].random_horizontal_flip.probability: 0.5
        expect train_config.data_augmentation_options[0].random_horizontal_flip
    Bad (keypoints):
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' keypoints { id: 0 label: 'left_eye' } keypoints { id: 1 label: 'right_eye' } } item { id: 2 name: 'two' }
        train_config.data_augmentation_options[0].random_horizontal_flip.probability: 0.5
        expect train_config.data_augmentation_options[0].random_horizontal_flip
    Good:
        train_config.data_augmentation_options[0].random_horizontal_flip.probability: 0.5
    """
    for index, option in enumerate(config.train.data_augmentation_options):
        if option.WhichOneof("preprocessing_step") != "random_horizontal_flip":
            continue
        field = f"train_config.data_augmentation_options[{index}].random_horizontal_flip"
        sided = [
            item.name or item.display_name
            for item in label_map.items
            if _names_a_side(item.name) or _names_a_side(item.display_name)
        ]
        if sided:
            yield Finding(
                _(
                    "random_horizontal_flip mirrors the images but keeps the classes: a flipped {names} shows "
                    "the other side and keeps its label",
                    names=" / ".join(repr(n) for n in sided[:4]),
                ),
                field=field,
                hint=_("delete this data_augmentation_options block"),
            )
        keypoints = [
            k.label for item in label_map.located.message.item for k in item.keypoints if _names_a_side(k.label)
        ]
        if keypoints and not option.random_horizontal_flip.keypoint_flip_permutation:
            yield Finding(
                _(
                    "keypoints {names} name a side but random_horizontal_flip has no keypoint_flip_permutation: "
                    "flipped images keep left keypoints on the right",
                    names=", ".join(keypoints[:4]),
                ),
                field=field,
                hint=_("add keypoint_flip_permutation with the index of each keypoint's mirror"),
            )
