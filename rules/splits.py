"""Rules about the training and evaluation sets as wholes: overlap, size, balance, how often training shows each class."""

from pipecheck import N_, Finding, _, cannot_decide, n_, option, rule
from pipecheck.rulekit import class_exposure

from ._batch import advise_batch
from ._common import box_counts, needs, record_place

CODES = ("PC715", "PC718")

# The review's sign-off items these rules pre-fill.
EVAL_NOT_TRAIN = N_("Evaluation images are not training images")


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
    batch = needs(config.batch_size, "train_config")
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


@rule(
    "PC717",
    "classes-balanced",
    category="records",
    severity="warning",
    options={"max_ratio": option(5, N_("most boxes of one class for one of another before a warning"), minimum=1)},
)
def classes_balanced(records, max_ratio):
    """Boxes per class in each split, and a warning when one class has a fifth (1 / max_ratio) of another's or fewer.

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
        values = {"counts": box_counts(reader), "images": n_("{count} image", "{count} images", reader.records)}
        summary = (
            _("training boxes per class: {counts} in {images}", **values)
            if reader.reader.startswith("train")
            else _("evaluation boxes per class: {counts} in {images}", **values)
        )
        rare, common = min(counts, key=counts.get), max(counts, key=counts.get)
        if reader.reader.startswith("train") and counts[rare] * max_ratio <= counts[common]:
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


@rule(
    "PC718",
    "classes-seen-enough",
    category="records",
    severity="warning",
    # Below this many box presentations over a whole run, fine-tuning learns a class poorly.
    options={"few_views": option(100, N_("box presentations over the run a class needs at least"), minimum=1)},
)
def classes_seen_enough(records, config, label_map, few_views):
    """Training shows each class at least 100 times (few_views): its boxes × epochs over the run.

    Catalogue: L-07 (the counts a reviewer checks), O-02 (num_steps cut short)

    Why: each image is seen batch_size × num_steps / images times (the epochs); a class
    with B training boxes is seen about B × epochs times. A class with few boxes in a short
    run is shown a handful of times: the model ends up detecting it rarely or never, and
    nothing in the training log says so. Raise num_steps or add images of that class.
    A class of the label map with no training box at all is PC706's.

    Bad:
        train_config.num_steps: 50
        expect train_config.num_steps
    Good:
        train_config.num_steps: 1000
    """
    exposure = class_exposure(records.train, needs(config.batch_size, "train_config"), config.num_steps)
    if exposure is None:
        cannot_decide(_("no training records"))
    working = _(
        "{batch} × {steps} steps / {images} images = {epochs:.1f} epochs",
        batch=exposure.batch_size,
        steps=exposure.num_steps,
        images=exposure.images,
        epochs=exposure.epochs,
    )
    table = ", ".join(
        _("{name} {views:.0f} ({boxes} boxes)", name=c.name, views=c.views, boxes=c.boxes) for c in exposure.classes
    )
    rare = [c for c in exposure.classes if c.boxes and c.views < few_views]
    if not rare:
        return None  # the review lists every class's exposure with its working
    worst = rare[0]
    never = _(": probably never (less than once)") if worst.views < 1 else ""
    needed = max(exposure.num_steps + 1, int(few_views * exposure.images / (worst.boxes * exposure.batch_size)) + 1)
    return Finding(
        n_(
            "{count} class is seen fewer than {few} times in training{never}: {table} ({working})",
            "{count} classes are seen fewer than {few} times in training{never}: {table} ({working})",
            len(rare),
            few=few_views,
            never=never,
            table=table,
            working=working,
        ),
        field="train_config.num_steps",
        hint=_(
            "write num_steps: {steps} (for {name!r} to be seen {few} times), or annotate more images of {name!r}",
            steps=needed,
            name=worst.name,
            few=few_views,
        ),
    )
