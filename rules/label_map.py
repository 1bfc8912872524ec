"""Rules about the label map and num_classes."""

from pipecheck import N_, Finding, _, cannot_decide, n_, rule

# The review's sign-off items these rules pre-fill.
LABEL_MAP_AGREES = N_("num_classes and the label map agree")


@rule("PC101", "num-classes-matches-label-map", category="label-map", fix="safe", checklist=LABEL_MAP_AGREES)
def num_classes_matches_label_map(config, label_map):
    """num_classes equals the label map's highest id.

    Catalogue: L-01, L-02

    Why: the OD API never compares them. With fewer classes than the label map, the boxes
    of the missing classes train as background and evaluation calls them class 1; with more
    (90 left from COCO), the extra outputs are trained as background for nothing and an
    exported model can emit ids the label map does not know. Neither raises an error.

    Bad:
        model.faster_rcnn.num_classes: 90
    Good:
        model.faster_rcnn.num_classes: 2

    Fix: safe; sets num_classes to the label map's highest id.
    """
    model = config.model
    if model is None or "num_classes" not in model.DESCRIPTOR.fields_by_name:
        cannot_decide(_("{arch} has no num_classes", arch=config.arch or _("the model")))
    field = f"{config.arch_path}.num_classes"
    written, wanted = model.num_classes, label_map.max_id
    if written == wanted:
        return None
    if written < wanted:
        effect = _(
            "boxes of classes {first}..{last} train as background and evaluation reports them as class 1, silently",
            first=written + 1,
            last=wanted,
        )
    else:
        effect = n_(
            "{count} extra output is trained as background for nothing",
            "{count} extra outputs are trained as background for nothing",
            written - wanted,
        )
    count, gaps = _missing_ids(label_map)
    if count:  # PC104 stays quiet: the numbering is this finding's cause
        effect += n_(
            " (id {ids} has no item)",
            " (ids {ids} have no item)",
            count,
            ids=", ".join(str(i) for i in gaps[:10]) + (" ..." if count > 10 else ""),
        )
    return Finding(
        _(
            "num_classes is {written} but the label map {name} has {summary}: {effect}",
            written=written,
            name=label_map.path.name,
            summary=label_map.describe(),
            effect=effect,
        ),
        field=field,
        hint=_("write num_classes: {value}", value=wanted),
        replacement=str(wanted),
    )


def _missing_ids(label_map) -> tuple[int, list[int]]:
    """How many ids 1..max have no item, and the first 11 of them: never a set of every id (one can be 2**31 - 1)."""
    ids = sorted(set(i for i in label_map.ids if i > 0))
    count = ids[-1] - len(ids) if ids else 0
    missing, expected = [], 1
    for present in ids:
        while expected < present and len(missing) < 11:
            missing.append(expected)
            expected += 1
        expected = present + 1
    return count, missing


@rule("PC102", "label-map-ids-positive", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_ids_positive(label_map):
    """Every label map id is 1 or more (0 only for an item named background).

    Catalogue: L-03

    Why: id 0 is the background class. label_map_util raises "Label map id 0 is reserved
    for the background label" (or "Label map ids should be >= 0") when the decoder or the
    evaluation loads the map, minutes into the run. Python habits start at 0.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 0 name: 'one' } item { id: 1 name: 'two' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for item in label_map.items:
        if item.id > 0 or (item.id == 0 and "background" in (item.name, item.display_name)):
            continue
        line, column = label_map.item_location(item.index, "id" if item.has_id else None)
        name = repr(item.name or item.display_name or item.index)
        message = (
            _("item {name} has no id (0): ids start at 1, 0 is reserved for the background", name=name)
            if not item.has_id
            else _("item {name} has id {id}: ids start at 1, 0 is reserved for the background", name=name, id=item.id)
        )
        yield Finding(
            message,
            file=label_map.path,
            line=line,
            column=column,
            hint=_("number the items 1, 2, 3... and set num_classes to the highest id"),
        )


@rule("PC103", "label-map-ids-unique", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_ids_unique(label_map):
    """No two label map items share an id.

    Catalogue: L-06

    Why: the OD API keys its category index by id, so the last item wins silently: one of
    the two classes gets the other's name in evaluation and the boxes of both are merged.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 1 name: 'two' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for items in _repeated(label_map.items, lambda item: item.id):
        last = items[-1]
        line, column = label_map.item_location(last.index, "id")
        yield Finding(
            _(
                "id {id} is used by {names} (lines {lines}): the category index keeps the last, so evaluation "
                "calls them all {last!r}",
                id=last.id,
                names=", ".join(repr(i.name) for i in items),
                lines=", ".join(str(i.line) for i in items),
                last=last.name,
            ),
            file=label_map.path,
            line=line,
            column=column,
            hint=_("give every item its own id"),
        )


def _repeated(items, key) -> list[list]:
    """Items sharing a key (an id, a name), in file order, for every key used more than once."""
    groups: dict = {}
    for item in items:
        value = key(item)
        if value or value == 0:
            groups.setdefault(value, []).append(item)
    return [group for group in groups.values() if len(group) > 1]


@rule("PC104", "label-map-ids-contiguous", category="label-map", severity="warning", checklist=LABEL_MAP_AGREES)
def label_map_ids_contiguous(label_map, config):
    """Label map ids run 1, 2, ..., N without gaps.

    Catalogue: L-04

    Why: with ids 1, 2, 5 the model needs num_classes 5 and trains two empty classes;
    with num_classes 3 class 5 is silently lost (PC101 then reports both). Ids copied
    from another dataset's numbering do this.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 3 name: 'two' }
        model.faster_rcnn.num_classes: 3
        expect file faces_cubes/training/label_map.pbtxt
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    count, missing = _missing_ids(label_map)
    model = config.model
    if not count or (
        model is not None and "num_classes" in model.DESCRIPTOR.fields_by_name and model.num_classes != label_map.max_id
    ):
        return None  # with num_classes off as well, PC101 reports both
    shown = ", ".join(str(i) for i in missing[:10]) + (" ..." if count > 10 else "")
    return Finding(
        n_(
            "id {ids} has no item: the model trains {count} empty class",
            "ids {ids} have no item: the model trains {count} empty classes",
            count,
            ids=shown,
        ),
        file=label_map.path,
        line=1,
        column=1,
        hint=_("renumber the items 1..N (and regenerate records that store class/label ids)"),
    )


@rule("PC105", "label-map-names-unique", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_names_unique(label_map):
    """No two label map items share a name (or a display_name).

    Catalogue: L-06

    Why: the decoder maps the class text of each box to an id through a dictionary of
    names, so with a duplicate name every box of that text gets the last item's id.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'one' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for attribute in ("name", "display_name"):
        for items in _repeated(label_map.items, lambda item, attribute=attribute: getattr(item, attribute)):
            last, value = items[-1], getattr(items[-1], attribute)
            line, column = label_map.item_location(last.index, attribute)
            yield Finding(
                _(
                    "{attribute} {value!r} is used by ids {ids}: label_map_util keeps the last, so boxes "
                    "labelled {value!r} all get id {last}",
                    attribute=attribute,
                    value=value,
                    ids=", ".join(str(i.id) for i in items),
                    last=last.id,
                ),
                file=label_map.path,
                line=line,
                column=column,
                hint=_("give every item its own name"),
            )


@rule("PC106", "label-map-parses", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_parses(label_maps):
    """Every label map the config names parses as a StringIntLabelMap.

    Catalogue: F-03

    Why: a label map that does not parse (a JSON or CSV file, smart quotes, a missing
    brace) fails only when training starts, and label_map_util then retries it as binary,
    so the error shown is a confusing DecodeError. pipecheck gives the text error instead.

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

    Why: the records' class text is matched against name (and display_name); scripts such as
    the tutorial's generate_tfrecord.py key on name and fail with KeyError, and evaluation
    shows display_name. An item with only a display_name is half configured.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 display_name: 'one' } item { id: 2 name: 'two' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for item in label_map.items:
        if not item.has_name:
            line, column = label_map.item_location(item.index)
            yield Finding(
                _("item with id {id} has no name", id=item.id),
                file=label_map.path,
                line=line,
                column=column,
                hint=_("add name: '{name}' (the text stored in the records)", name=item.display_name or "class"),
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
    uses image/object/class/label as stored; evaluation has no class names. Nothing warns.

    Bad:
        delete train_input_reader.label_map_path
    Good:
        train_input_reader.label_map_path: "faces_cubes/training/label_map.pbtxt"
    """
    for path, reader in config.input_readers():
        if not reader.label_map_path:
            yield Finding(
                _("{reader} has no label_map_path: class text in the records is ignored", reader=path),
                field=f"{path}.label_map_path",
                hint=_('add label_map_path: "<project>/training/label_map.pbtxt"'),
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
