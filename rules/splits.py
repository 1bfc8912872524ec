"""Rules about the training and evaluation sets as wholes: classes, overlap, size."""

from pipecheck import N_, Finding, _, cannot_decide, n_, rule

from ._batch import advise_batch
from ._common import record_place

# The review's sign-off items these rules pre-fill.
EVAL_NOT_TRAIN = N_("Evaluation images are not training images")


def _counts(reader) -> str:
    boxes = reader.class_boxes()
    return ", ".join(f"{name} {count}" for name, count in sorted(boxes.items())) or _("no boxes")


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
                counts=_counts(train),
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


@rule("PC715", "train-and-eval-disjoint", category="records", severity="warning", checklist=EVAL_NOT_TRAIN)
def train_and_eval_disjoint(records):
    """No image is both in the training and in the evaluation records.

    Catalogue: F-06

    Why: an image the model trained on scores well in evaluation whatever the model learnt;
    duplicates (a copy-pasted folder, a shuffled split done twice) make mAP optimistic and
    hide overfitting. Images are compared by the hash of their bytes.

    Bad:
        record faces_cubes/training/test.record 0 image/encoded=@from:faces_cubes/training/train.record:0
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/test.record 0 image/encoded=@exif:1
    """
    train = records.train
    if train is None:
        cannot_decide(_("no training records"))
    trained = {h for facts in train.files for h in facts.hashes if h}
    for reader in records.evals:
        for facts, field in reader.located():
            shared = [i for i, h in enumerate(facts.hashes) if h and h in trained]
            if shared and not _same_files(facts, train):
                yield Finding(
                    n_(
                        "{count} evaluation image of {total} is also in training (first: {place}): evaluation "
                        "will look better than the model is",
                        "{count} evaluation images of {total} are also in training (first: {place}): "
                        "evaluation will look better than the model is",
                        len(shared),
                        total=facts.records,
                        place=record_place(facts, shared[0]),
                    ),
                    field=field,
                    hint=_("split the images once, then convert each split"),
                )


def _same_files(facts, train) -> bool:
    return any(facts.path == other.path for other in train.files)  # PC204 reports the same file read twice


@rule("PC716", "enough-training-records", category="records", severity="warning")
def enough_training_records(records, config, machine):
    """There are at least batch_size training records.

    Catalogue: R-01

    Why: with fewer images than the batch, every step repeats images inside one batch:
    the batch only costs memory and time. Keep batch_size below the number of images.

    Bad:
        train_config.batch_size: 32
        option --ram 200GiB
    Good:
        train_config.batch_size: 2
    """
    train = records.train
    if train is None:
        cannot_decide(_("no training records"))
    batch = config.train.batch_size
    if train.records < batch:
        advice = advise_batch(config, machine, records)
        return Finding(
            _(
                "batch_size {batch} is larger than the {records} training records: each batch repeats images",
                batch=batch,
                records=train.records,
            ),
            field="train_config.batch_size",
            hint=_(
                "write batch_size: {value} ({reasons})", value=max(1, advice.value), reasons=advice.reasons(machine)
            ),
        )
    return None


@rule("PC717", "classes-balanced", category="records", severity="warning")
def classes_balanced(records):
    """Boxes per class in each split, and a warning when one class has a fifth of another's or fewer.

    Catalogue: L-07 (the counts a reviewer checks)

    Why: a detector learns the rare class poorly; with few images per class (the course has
    tens) a strong imbalance is the first thing to fix, before any setting.

    Bad:
        record faces_cubes/training/train.record * image/object/class/text=*two
        record faces_cubes/training/train.record 0 image/object/class/text=*one
        option --select PC717
        expect train_input_reader.tf_record_input_reader.input_path
    Good (one image relabelled, the classes still even):
        record faces_cubes/training/train.record 0 image/object/class/text=*one
        option --select PC717
    """
    for reader in [records.train, *records.evals]:
        if reader is None or not reader.files:
            continue
        counts = reader.class_boxes()
        if not counts:
            continue
        field = f"{reader.reader}.tf_record_input_reader.input_path"
        values = {"counts": _counts(reader), "images": n_("{count} image", "{count} images", reader.records)}
        summary = (
            _("training boxes per class: {counts} in {images}", **values)
            if reader.reader.startswith("train")
            else _("evaluation boxes per class: {counts} in {images}", **values)
        )
        rare, common = min(counts, key=counts.get), max(counts, key=counts.get)
        if reader.reader.startswith("train") and counts[rare] * 5 <= counts[common]:
            yield Finding(
                _(
                    "{summary}: {rare!r} has {few} boxes against {many} for {common!r}",
                    summary=summary,
                    rare=rare,
                    few=counts[rare],
                    many=counts[common],
                    common=common,
                ),
                field=field,
                hint=_("annotate more images of {name!r}", name=rare),
            )
        else:
            yield Finding(summary, field=field, severity="info", tier="detail")
