"""Rules about num_classes and the label map's ids and names."""

from pipecheck import N_, Finding, _, cannot_decide, n_, rule

CODES = ("PC100", "PC105")

# The review's sign-off items these rules pre-fill.
LABEL_MAP_AGREES = N_("num_classes and the label map agree")


@rule("PC101", "num-classes-matches-label-map", category="label-map", fix="safe", checklist=LABEL_MAP_AGREES)
def num_classes_matches_label_map(config, label_map):
    """num_classes equals the label map's highest id.

    Catalogue: L-01, L-02

    Why: the OD API never compares them. With fewer classes than the label map, the boxes
    of the missing classes train as background and evaluation calls them class 1; with more
    (90 left from COCO), the extra outputs are trained as background for nothing and an
    exported model can emit ids the label map does not know. Neither raises an error. The
    extra outputs never get a positive target (inputs.py one-hot encodes the label map's ids)
    and evaluation lists only the label map's classes, so that direction is an info for -v.

    Bad:
        model.faster_rcnn.num_classes: 1
    Good:
        model.faster_rcnn.num_classes: 2

    Label maps numbered from 0, or with two items on one id, are PC102's and PC103's: the
    highest id there is not the number of classes the author means, so this rule waits for
    their fix rather than advising num_classes: 0 or a count that contradicts the items.

    Fix: safe; sets num_classes to the label map's highest id.
    """
    field, written, wanted = config.num_classes_field, config.num_classes, label_map.max_id
    if field is None:
        cannot_decide(_("{arch} has no num_classes", arch=config.arch or _("the model")))
    if _misnumbered(label_map):
        return None  # an id 0 or a shared id: PC102/PC103 name that cause, and num_classes follows from its fix
    if written == wanted:
        return None
    extra = written > wanted
    if not extra:
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
        related=_highest_item(label_map),
        severity="info" if extra else None,
        tier="detail" if extra else "default",
    )


def _highest_item(label_map) -> tuple:
    """Where the label map writes its highest id: what num_classes must equal."""
    item = max(label_map.items, key=lambda item: item.id, default=None)
    if item is None:
        return ()
    note = _("the label map's highest id, {id} ({name})", id=item.id, name=item.name or item.display_name)
    return ((label_map.path, *label_map.item_location(item.index, "id" if item.has_id else None), note),)


def _misnumbered(label_map) -> bool:
    """An item with an id below 1 (background aside) or two items sharing an id."""
    return any(not _id_allowed(item) for item in label_map.items) or bool(_repeated(label_map.items, lambda i: i.id))


def _id_allowed(item) -> bool:
    return item.id > 0 or (item.id == 0 and "background" in (item.name, item.display_name))


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
        if _id_allowed(item):
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

    Why: the OD API keys its category index by id and keeps the first item of each
    (label_map_util.convert_label_map_to_categories), silently: one of the two classes gets
    the other's name in evaluation and the boxes of both are merged. An item written again
    as it is (same id and names) changes nothing; PC105 notes it once. Every repeated id is
    named in one finding.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 1 name: 'two' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    groups = [items for items in _repeated(label_map.items, lambda item: item.id) if not _copies(items)]
    if not groups:
        return None
    first = groups[0]
    line, column = label_map.item_location(first[-1].index, "id")
    return Finding(
        n_(
            "id {ids} is used by more than one item ({names}): the category index keeps the first, so "
            "evaluation calls them all by its name",
            "ids {ids} are each used by more than one item ({names}): the category index keeps the first of "
            "each, so evaluation calls them all by its name",
            len(groups),
            ids=", ".join(str(items[0].id) for items in groups),
            names="; ".join(", ".join(repr(i.name) for i in items) for items in groups),
        ),
        file=label_map.path,
        line=line,
        column=column,
        hint=_("give every item its own id"),
        cause=_repeats_cause(label_map),
    )


def _copies(items) -> bool:
    """Items that are the same item written again (id, name and display_name): the OD API keeps one of each."""
    return len({(i.id, i.name, i.display_name) for i in items}) == 1


def _repeats_cause(label_map) -> str:
    return f"repeated items:{label_map.path}"


def _repeated(items, key) -> list[list]:
    """Items sharing a key (an id, a name), in file order, for every key used more than once."""
    groups: dict = {}
    for item in items:
        value = key(item)
        if value or value == 0:
            groups.setdefault(value, []).append(item)
    return [group for group in groups.values() if len(group) > 1]


@rule("PC104", "label-map-ids-contiguous", category="label-map", severity="info", checklist=LABEL_MAP_AGREES)
def label_map_ids_contiguous(label_map, config):
    """Label map ids run 1, 2, ..., N without gaps.

    Catalogue: L-04

    Why: with ids 1, 2, 5 the model needs num_classes 5 and trains two empty classes;
    with num_classes 3 class 5 is silently lost (PC101 then reports both). Ids copied
    from another dataset's numbering do this. With num_classes at the highest id the empty
    classes cost nothing but outputs never trained (COCO's own map skips 10 of its 90 ids,
    as the COCO-trained heads expect): an info for -v.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 3 name: 'two' }
        model.faster_rcnn.num_classes: 3
        expect file faces_cubes/training/label_map.pbtxt
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    count, missing = _missing_ids(label_map)
    if not count or config.num_classes not in (None, label_map.max_id):
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
        tier="detail",
    )


@rule("PC105", "label-map-names-unique", category="label-map", checklist=LABEL_MAP_AGREES)
def label_map_names_unique(label_map):
    """No two label map items share a name (or a display_name).

    Catalogue: L-06

    Why: the decoder maps the class text of each box to an id through a dictionary of
    names (label_map_util.get_label_map_dict), so with a name on two ids every box of that
    text gets the last item's id. Every such name is in one finding. A list pasted twice
    as it is (same names on the same ids) changes nothing: one info says so and names them.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'one' }
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    copied = []
    for attribute in ("name", "display_name"):
        groups = _repeated(label_map.items, lambda item, attribute=attribute: getattr(item, attribute))
        copied += [items for items in groups if len({i.id for i in items}) == 1 and attribute == "name"]
        groups = [items for items in groups if len({i.id for i in items}) > 1]
        if not groups:
            continue
        line, column = label_map.item_location(groups[0][-1].index, attribute)
        message = _shared_name_message(attribute, groups)
        yield Finding(
            message,
            file=label_map.path,
            line=line,
            column=column,
            hint=_("give every item its own name, or delete the items that repeat one"),
            cause=_repeats_cause(label_map),
        )
    if copied:
        line, column = label_map.item_location(copied[0][1].index)
        yield Finding(
            n_(
                "item {names} is written again from line {line}: harmless (the OD API keeps one of each), "
                "but the copy is easy to edit apart from the original",
                "{count} items are written again from line {line} ({names}): harmless (the OD API keeps one of "
                "each), but the copies are easy to edit apart from the originals",
                len(copied),
                names=", ".join(repr(items[0].name) for items in copied),
                line=line,
            ),
            file=label_map.path,
            line=line,
            column=column,
            severity="info",
            hint=_("delete the repeated items"),
            cause=_repeats_cause(label_map),
        )


def _shared_name_message(attribute: str, groups: list) -> str:
    if len(groups) == 1:
        items = groups[0]
        value = getattr(items[-1], attribute)
        return _(
            "{attribute} {value!r} is used by ids {ids}: label_map_util keeps the last, so boxes "
            "labelled {value!r} all get id {last}",
            attribute=attribute,
            value=value,
            ids=", ".join(str(i.id) for i in items),
            last=items[-1].id,
        )
    return n_(
        "{attribute} {values} is used by items with different ids: label_map_util maps it to the last, "
        "so its boxes all get that id",
        "{count} {attribute}s are used by items with different ids ({values}): label_map_util maps each "
        "to its last id, so their boxes all get that one",
        len(groups),
        attribute=attribute,
        values=", ".join(
            f"{getattr(items[0], attribute)!r} (ids {', '.join(str(i.id) for i in items)})" for items in groups
        ),
    )
