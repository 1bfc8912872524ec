"""How much of the data training shows: each class's boxes × epochs over the whole run."""

from pipecheck import Finding, _, cannot_decide, n_, rule
from pipecheck.rulekit import class_exposure

# Below this many box presentations over a whole run, fine-tuning learns a class poorly.
FEW_VIEWS = 100


@rule("PC718", "classes-seen-enough", category="records", severity="warning")
def classes_seen_enough(records, config, label_map):
    """Training shows each class at least 100 times: its boxes × epochs over the run.

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
    exposure = class_exposure(records.train, config.train.batch_size, config.train.num_steps)
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
    rare = [c for c in exposure.classes if c.boxes and c.views < FEW_VIEWS]
    if not rare:
        return None  # the review lists every class's exposure with its working
    worst = rare[0]
    never = _(": probably never (less than once)") if worst.views < 1 else ""
    needed = max(exposure.num_steps + 1, int(FEW_VIEWS * exposure.images / (worst.boxes * exposure.batch_size)) + 1)
    return Finding(
        n_(
            "{count} class is seen fewer than {few} times in training{never}: {table} ({working})",
            "{count} classes are seen fewer than {few} times in training{never}: {table} ({working})",
            len(rare),
            few=FEW_VIEWS,
            never=never,
            table=table,
            working=working,
        ),
        field="train_config.num_steps",
        hint=_(
            "write num_steps: {steps} (for {name!r} to be seen {few} times), or annotate more images of {name!r}",
            steps=needed,
            name=worst.name,
            few=FEW_VIEWS,
        ),
    )
