"""Rules about the TFRecords: framing, the decoder's contract, their classes against the label map.

Each record file is read once (the `records` fixture) and its facts cached; findings point at
the config field that names the file and give the record number and byte offset.
"""

import difflib

from pipecheck import N_, Finding, _, cannot_decide, n_, rule

from ._common import box_counts, reader_files, record_place, record_problems

CODES = ("PC700", "PC707")

# The review's sign-off items these rules pre-fill.
RECORDS_READ = N_("The records read, and their classes are the label map's")

FRAMING = ("length-crc", "data-crc", "truncated", "compressed", "unreadable", "too-large")
CONTRACT = ("not-an-example", "wrong-type", "too-many-values", "missing-key", "list-lengths")


@rule("PC701", "records-readable", category="records", checklist=RECORDS_READ)
def records_readable(records):
    """Every record file is an uncompressed TFRecord whose records all pass their checksums.

    Catalogue: F-04; ml-anchors §5a

    Why: TensorFlow checks a record's checksums only when it reaches it, hours into training,
    and stops with "DataLossError: corrupted record at 12345" (no file, no record number). A
    GZIP or ZLIB file fails at once: the OD API's dataset builder sets no compression_type.

    Bad (a damaged byte):
        corrupt faces_cubes/training/train.record 300
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Bad (compressed):
        gzip faces_cubes/training/train.record
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Bad (cut short):
        truncate faces_cubes/training/test.record 100
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Good (a record rewritten whole, its checksums with it):
        record faces_cubes/training/train.record 0 image/object/class/text=one
    """

    def hint(problem):
        if problem["kind"] == "compressed":
            return _("decompress it (gunzip, or write it again with TFRecordOptions(compression_type=''))")
        return _("write the file again from the images (the conversion script); copying it again may be enough")

    yield from record_problems(records, FRAMING, hint)


@rule("PC702", "records-match-decoder", category="records", checklist=RECORDS_READ)
def records_match_decoder(records):
    """Every record is a tf.train.Example the OD API's decoder can read.

    Catalogue: D-02, ml-anchors §5b

    Why: TfExampleDecoder expects image/encoded, one value for image/height, image/width and
    image/format, float box lists, int64 labels and bytes class texts, and per-object lists as
    long as the box lists. A wrong type stops the input pipeline with "Data types don't
    match"; lists of different lengths fail when boxes and classes are stacked.

    Bad (wrong type):
        record faces_cubes/training/train.record 0 image/height=240.0
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Bad (list lengths):
        record faces_cubes/training/train.record 0 image/object/class/text=one,two,one,two,one
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 0 image/filename=renamed.jpg
    """
    yield from record_problems(
        records,
        CONTRACT,
        lambda p: _("fix the script that writes the records (see the OD API's create_*_tf_record.py)"),
    )


def _label_map_names(label_map) -> dict[str, int]:
    names = {}
    for item in label_map.items:
        for name in (item.display_name, item.name):
            if name:
                names[name] = item.id
    return names


def _records_with_their_label_map(config, label_maps, records):
    """(reader's field path, reader, its records, {class name: id} of its label map) where both were read."""
    for path, reader in config.input_readers():
        label_map = label_maps.get(reader.label_map_path)
        found = records.readers.get(path)
        if hasattr(label_map, "items") and found is not None:
            yield path, reader, found, _label_map_names(label_map)


@rule("PC703", "class-text-in-label-map", category="records", checklist=RECORDS_READ)
def class_text_in_label_map(records, label_maps, config):
    """Every class text in the records names an item of the reader's label map.

    Catalogue: L-07

    Why: the decoder maps image/object/class/text through the label map (name or
    display_name); unknown text becomes id -1 and those boxes are dropped silently: the
    images train as background and the loss still goes down. Case, spaces, a renamed class
    or records made with another label map all do it.

    Bad:
        record faces_cubes/training/train.record 0 image/object/class/text[0]=One
        expect train_input_reader.label_map_path
    Good:
        record faces_cubes/training/train.record 0 image/object/class/text[0]=one
    """
    for path, reader, found, known in _records_with_their_label_map(config, label_maps, records):
        for facts, _field in found.located():
            for text, (boxes, first) in sorted(facts.class_text.items()):
                if text in known:
                    continue
                close = difflib.get_close_matches(text, list(known), n=1, cutoff=0.6)
                close = close or [name for name in known if name.lower() == text.lower()]
                yield Finding(
                    n_(
                        "class {text!r} ({count} box, first in {place}) is not in {label_map}: the decoder "
                        "gives it id -1 and training drops this box silently",
                        "class {text!r} ({count} boxes, first in {place}) is not in {label_map}: the decoder "
                        "gives it id -1 and training drops these boxes silently",
                        boxes,
                        text=text,
                        place=record_place(facts, first),
                        label_map=reader.label_map_path,
                    ),
                    field=f"{path}.label_map_path",
                    hint=(_("did you mean {name!r}? ", name=close[0]) if close else "")
                    + _("make the label map's names and the records' class text identical"),
                )


@rule("PC704", "class-labels-in-range", category="records", checklist=RECORDS_READ)
def class_labels_in_range(records, config):
    """Records without class text carry labels from 1 to num_classes.

    Catalogue: L-08

    Why: without image/object/class/text the decoder uses image/object/class/label as is,
    then one-hot encodes id - 1: id 0 (a 0-based script) or an id above num_classes becomes an
    all-zero row, a box of no class; the other ids are shifted. Nothing is raised.

    Bad:
        record faces_cubes/training/train.record 0 del:image/object/class/text image/object/class/label[0]=0
        expect model.faster_rcnn.num_classes
    Good:
        record faces_cubes/training/train.record 0 del:image/object/class/text
    """
    classes = config.num_classes
    if classes is None:
        return
    for _reader, facts, _field in reader_files(records):
        if not facts.records_with_labels_only:
            continue
        for label, (boxes, first) in sorted(facts.class_label.items(), key=lambda kv: int(kv[0])):
            if not 1 <= int(label) <= classes:
                yield Finding(
                    n_(
                        "label {label} ({count} box, first in {place}) is outside 1..{classes}; with no class "
                        "text the decoder uses it as is and the box gets no class",
                        "label {label} ({count} boxes, first in {place}) is outside 1..{classes}; with no "
                        "class text the decoder uses it as is and the boxes get no class",
                        boxes,
                        label=label,
                        place=record_place(facts, first),
                        classes=classes,
                    ),
                    field=config.num_classes_field,
                    hint=_("labels start at 1 and follow the label map's ids (or store the class text too)"),
                )


@rule("PC705", "class-text-and-label-agree", category="records", severity="warning", checklist=RECORDS_READ)
def class_text_and_label_agree(records, label_maps, config):
    """Where records carry both, class text and label give the same class.

    Catalogue: L-08

    Why: the decoder trusts the text and ignores the label; a disagreement means the
    records were made with another label map, and any tool that reads the labels (or a
    later config without label_map_path) sees other classes.

    Bad:
        record faces_cubes/training/train.record 0 image/object/class/label[0]=7
        expect train_input_reader.label_map_path
    Good:
        record faces_cubes/training/train.record 0 image/filename=renamed.jpg
    """
    for path, _reader, found, ids in _records_with_their_label_map(config, label_maps, records):
        for facts, _field in found.located():
            for pair, (boxes, first) in sorted(facts.pairs.items()):
                text, label = pair.split("\t")
                if text in ids and ids[text] != int(label):
                    yield Finding(
                        n_(
                            "{count} box says class {text!r} with label {label}, but the label map gives "
                            "{text!r} id {id} (first in {place})",
                            "{count} boxes say class {text!r} with label {label}, but the label map gives "
                            "{text!r} id {id} (first in {place})",
                            boxes,
                            text=text,
                            label=label,
                            id=ids[text],
                            place=record_place(facts, first),
                        ),
                        field=f"{path}.label_map_path",
                        hint=_("make the records again with this label map"),
                    )


@rule("PC706", "classes-have-training-examples", category="records", severity="warning")
def classes_have_training_examples(records, label_map):
    """Every class of the label map has boxes in the training records.

    Catalogue: L-07

    Why: a class with no training box is never learnt, yet it counts in num_classes and in
    evaluation's mean AP. It is often a class whose text differs in the records (see PC703).

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' } item { id: 3 name: 'three' }
        model.faster_rcnn.num_classes: 3
        expect train_input_reader.label_map_path
    Good:
        model.faster_rcnn.num_classes: 2
    """
    train = records.train
    if train is None or not train.files:
        cannot_decide(_("no training records"))
    boxes = train.class_boxes()
    missing = [item for item in label_map.items if not boxes.get(item.name) and not boxes.get(item.display_name)]
    if missing:
        names = ", ".join(repr(item.name or item.display_name) for item in missing)
        return Finding(
            _(
                "no training box for {names} (training has: {counts}): the model cannot learn it",
                names=names,
                counts=box_counts(train),
            ),
            field="train_input_reader.label_map_path",
            hint=_("add annotated images of that class, or remove it from the label map and num_classes"),
        )
    return None


@rule("PC707", "eval-classes-in-training", category="records", severity="warning")
def eval_classes_in_training(records):
    """Every class evaluated also appears in training.

    Catalogue: F-06

    Why: a class present only in the evaluation records is scored but never taught; its AP
    is 0 and drags the mean down for a reason that has nothing to do with training.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' } item { id: 3 name: 'three' }
        model.faster_rcnn.num_classes: 3
        record faces_cubes/training/test.record 0 image/object/class/text[0]=three
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/test.record 0 image/object/class/text[0]=one
    """
    train = records.train
    if train is None:
        cannot_decide(_("no training records"))
    trained = train.class_boxes()
    for reader in records.evals:
        for facts, field in reader.located():
            for text, (boxes, first) in sorted(facts.class_text.items()):
                if not trained.get(text):
                    yield Finding(
                        n_(
                            "class {text!r} has {count} box in evaluation (first in {place}) and none in training",
                            "class {text!r} has {count} boxes in evaluation (first in {place}) and none in training",
                            boxes,
                            text=text,
                            place=record_place(facts, first),
                        ),
                        field=field,
                        hint=_("move some of those images to the training set"),
                    )
