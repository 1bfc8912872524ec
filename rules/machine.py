"""Rules about the training machine: TPU settings, RAM against batch_size, training time.

Rules in the "machine" category depend on the computer pipecheck runs on (or on --ram);
pre-commit hooks leave them out so results do not depend on who commits.
"""

from pipecheck import N_, Finding, _, cannot_decide, option, rule
from pipecheck.rulekit import estimate_training, format_bytes, zoo_network

from ._batch import advise_batch
from ._common import needs

CODES = ("PC400", "PC409")

# The review's sign-off items these rules pre-fill.
BATCH_FITS = N_("batch_size fits the training machine's RAM")


@rule("PC401", "bfloat16-only-on-tpu", category="tpu", severity="info", fix="safe")
def bfloat16_only_on_tpu(config, distribution):
    """use_bfloat16 is false unless training runs on a TPU.

    Catalogue: N-01

    Why: zoo configs ship use_bfloat16: true ("works only on TPUs"). model_main_tf2.py
    ANDs it with --use_tpu, so on a CPU or GPU it is silently ignored: harmless in TF2,
    but misleading when reading the config. The course sets it to false.

    Bad:
        train_config.use_bfloat16: true
    Good:
        train_config.use_bfloat16: false

    Fix: safe; writes false.
    """
    if config.train.use_bfloat16 and distribution.strategy != "tpu":
        return Finding(
            _(
                "use_bfloat16 is true: TF2 ignores it unless model_main_tf2.py runs with --use_tpu (the course "
                "sets it to false)"
            ),
            field="train_config.use_bfloat16",
            hint=_("write use_bfloat16: false"),
            replacement="false",
            tier="quiet",
        )
    return None


@rule(
    "PC402",
    "batch-fits-in-ram",
    category="machine",
    fix="unsafe",
    checklist=BATCH_FITS,
    options={
        "ram_margin": option(
            0.15, N_("share added to the estimated peak RAM for its uncertainty and TF's slack"), minimum=0, maximum=1
        )
    },
)
def batch_fits_in_ram(config, machine, distribution, ram_margin, records=None):
    """batch_size fits in the training machine's RAM; says the one batch_size to use.

    Catalogue: R-01

    Why: on a CPU a batch too large for the RAM gets the process killed ("Killed",
    "Processus arrêté" in the course) minutes or hours in. pipecheck estimates peak RAM
    from the meta-architecture, the resizer's size and the batch, calibrated on runs of
    the real OD API on a 2-core CPU (Faster R-CNN ResNet-50 640: 2.7 GiB at batch 1,
    5.6 GiB at batch 4), with a 15 % margin (ram_margin), against the machine's total RAM (the free
    RAM moves from run to run); --ram 8GiB (or the ram setting) sets it instead, for
    reviews and CI. "Would be killed" is said only when the estimate without its margin
    exceeds the RAM; over only through the margin, a warning for -v says so (it fits by the
    estimate). The batch it recommends is the one PC403 and PC716 name too: what fits
    in RAM, at most a quarter of the training records, at most 8 on one machine.

    Bad:
        train_config.batch_size: 16
        option --ram 8GiB
    Good:
        train_config.batch_size: 2
        option --ram 8GiB

    Fix: unsafe (a training choice); writes the recommended batch.
    """
    if distribution.replicas > 1:
        cannot_decide(
            _("the batch is split over {replicas}: PC418 checks each replica's share", replicas=distribution.describe())
        )
    estimate = estimate_training(config)
    if estimate is None:
        cannot_decide(
            _(
                "no RAM model for {arch} with {extractor} or a resizer without a fixed size",
                arch=config.arch,
                extractor=config.feature_extractor_type() or _("no extractor"),
            )
        )
    batch = needs(config.batch_size, "train_config")
    advice = advise_batch(config, machine, records, margin=ram_margin)
    needed = estimate.needed_bytes(batch, ram_margin)
    ram = advice.ram_figure(machine)
    working = _("{estimate}, +{margin:.0f} % margin", estimate=estimate.describe(), margin=ram_margin * 100)
    field = "train_config.batch_size"
    if needed <= advice.ram_bytes:
        message = _(
            "batch_size {batch} needs about {needed} of the {ram} ({working}); {advice}",
            batch=batch,
            needed=format_bytes(needed),
            ram=ram,
            working=working,
            advice=advice.describe(machine),
        )
        if not machine.ram_given and needed > machine.ram_available:
            message += _(
                "; only {free} is free now: close other programs before training",
                free=format_bytes(machine.ram_available),
            )
        return Finding(message, field=field, severity="info", tier="detail")
    if estimate.peak_bytes(batch) <= advice.ram_bytes:  # over only through the margin: "killed" is not known
        return _within_margin(estimate, batch, ram, advice, machine)
    return Finding(
        _(
            "batch_size {batch} needs about {needed} ({working}), more than the {ram}: the training process "
            "would be killed",
            batch=batch,
            needed=format_bytes(needed),
            ram=ram,
            working=working,
        ),
        field=field,
        hint=_("write batch_size: {value} ({reasons})", value=advice.value, reasons=advice.reasons(machine))
        if advice.value
        else _("even batch_size 1 does not fit: train on a machine with more RAM"),
        replacement=str(advice.value) if advice.value else None,
    )


def _within_margin(estimate, batch: int, ram: str, advice, machine) -> Finding:
    return Finding(
        _(
            "batch_size {batch} needs about {peak} of the {ram} ({estimate}), {needed} with the 15 % margin: "
            "the run may be killed if the peak is higher",
            batch=batch,
            peak=format_bytes(estimate.peak_bytes(batch)),
            ram=ram,
            estimate=estimate.describe(),
            needed=format_bytes(estimate.needed_bytes(batch)),
        ),
        field="train_config.batch_size",
        severity="warning",
        tier="detail",  # it fits by the estimate: whether the peak goes higher is not known, so -v
        hint=_("write batch_size: {value} ({reasons})", value=advice.value, reasons=advice.reasons(machine))
        if advice.value
        else _("train on a machine with more RAM"),
        replacement=str(advice.value) if advice.value else None,
    )


def ram_text(machine) -> str:
    if machine.ram_given:
        return _("{size} given", size=format_bytes(machine.ram_available))
    return _("{size} available", size=format_bytes(machine.ram_available))


def input_pipeline_bytes(config, records) -> tuple[int, str]:
    """RAM the training input pipeline holds, from the records (dataset_builder.py's buffers).

    The shuffle buffer keeps serialised records; each image in flight is decoded at its
    original size, as uint8 then float32, before the resizer (ml-anchors §6d).
    """
    train = records.train
    files = train.files if train else []
    count = sum(f.records for f in files)
    if not count:
        return 0, _("no training records")
    mean_record = sum(f.payload_bytes for f in files) / count
    buffered = min(config.train_input.shuffle_buffer_size or 2048, count) * mean_record
    pixels = max((w * h for f in files for w, h in f.image_sizes), default=0)
    in_flight = ((config.batch_size or 0) * 2 + 4) * pixels * 3 * 5
    text = _(
        "shuffle buffer {buffered} ({records} records of {size:.0f} KiB) + images being decoded {decoding}",
        buffered=format_bytes(buffered),
        records=min(config.train_input.shuffle_buffer_size or 2048, count),
        size=mean_record / 1024,
        decoding=format_bytes(in_flight),
    )
    return int(buffered + in_flight), text


@rule("PC405", "input-pipeline-fits-in-ram", category="machine", checklist=BATCH_FITS)
def input_pipeline_fits_in_ram(config, records, machine):
    """The model and the input pipeline fit in RAM together.

    Catalogue: D-03, R-01

    Why: the input pipeline keeps up to shuffle_buffer_size (2048) serialised records in
    memory and decodes images at their original size before resizing: 12-megapixel phone
    photos fill gigabytes before the model starts ("Killed", or an OOM on a CPU tensor).
    PC402 counts the model; this rule adds what the records need.

    Bad:
        record faces_cubes/training/train.record 0 image/encoded=@size:4000x3000
        option --ram 3.5GiB
        expect train_config.batch_size
    Good:
        record faces_cubes/training/train.record 0 image/encoded=@size:4000x3000
        option --ram 8GiB
    """
    estimate = estimate_training(config)
    if estimate is None:
        cannot_decide(_("no RAM model for this architecture (see PC402)"))
    batch = needs(config.batch_size, "train_config")
    model = estimate.needed_bytes(batch)
    inputs, working = input_pipeline_bytes(config, records)
    if model > machine.ram_available or model + inputs <= machine.ram_available:
        return None  # PC402 reports a model that does not fit on its own
    return Finding(
        _(
            "the model needs about {model} and the input pipeline {inputs} ({working}), more than the {ram}",
            model=format_bytes(model),
            inputs=format_bytes(inputs),
            working=working,
            ram=ram_text(machine),
        ),
        field="train_config.batch_size",
        hint=_(
            "resize the images to about twice the model's input before writing the records, or lower "
            "train_input_reader.shuffle_buffer_size"
        ),
    )


@rule("PC403", "no-tpu-batch", category="tpu", severity="warning")
def no_tpu_batch(config, distribution, machine, records=None, original=None):
    """No TPU-pod batch_size (64 or more) on a single machine.

    Catalogue: R-01

    Why: zoo configs are tuned for 8 to 32 TPU cores with batch 64 to 512. A batch that
    large on one machine is almost always the zoo value left behind; the right value
    depends on the RAM (PC402) and the time you have (PC404), a choice for a human. It is
    said only of the zoo's own batch (the original config's, or the recognised zoo
    network's): another large batch was chosen, and whether it fits is PC402's.

    Bad:
        train_config.batch_size: 64
        option --ram 200GiB
    Good:
        train_config.batch_size: 2
    """
    batch = needs(config.batch_size, "train_config")
    advice = advise_batch(config, machine, records)
    estimate = estimate_training(config)
    if estimate is not None and estimate.needed_bytes(batch) > advice.ram_bytes:
        return None  # PC402 reports the batch that does not fit, one finding for one cause
    network = zoo_network(config)
    zoo_batch = original.batch_size if original is not None else network[1]["batch_size"] if network else None
    if batch >= 64 and distribution.replicas < 2 and batch == zoo_batch:
        return Finding(
            _("batch_size {batch} is the zoo's TPU value; on one machine use 1 to 8", batch=batch),
            field="train_config.batch_size",
            hint=_(
                "write batch_size: {value} ({reasons})", value=max(1, advice.value), reasons=advice.reasons(machine)
            ),
        )
    return None


@rule("PC406", "no-multi-worker-settings", category="tpu", severity="info", fix="safe")
def no_multi_worker_settings(config):
    """No sync_replicas, replicas_to_aggregate or startup_delay_steps: TF2 never reads them.

    Catalogue: N-03

    Why: zoo configs carry these TF1 multi-worker settings and model_lib_v2.py never
    reads them; they only suggest a distributed training that is not happening.
    Deleting them changes nothing, so `pipecheck fix` does it.

    Bad:
        train_config.sync_replicas: true
    Good (commented out, so not written):
        comment train_config.batch_size: # sync_replicas: true
        expect train_config.sync_replicas

    Fix: safe; deletes the field.
    """
    for name in ("sync_replicas", "replicas_to_aggregate", "startup_delay_steps"):
        field = f"train_config.{name}"
        if config.written(field):
            yield Finding(
                _("{name} is a multi-worker setting TF2 training never reads", name=name),
                field=field,
                hint=_("delete the line"),
                remove=True,
                tier="quiet",
            )


@rule(
    "PC404",
    "training-time-reasonable",
    category="machine",
    severity="warning",
    options={"max_hours": option(24.0, N_("the longest training, in hours, this CPU may take"), exclusiveMinimum=0)},
)
def training_time_reasonable(config, machine, project, max_hours):
    """num_steps × seconds per step stays under a day (max_hours) on this CPU.

    Catalogue: R-03

    Why: zoo configs ask for 25 000 to 300 000 steps at batch 64 and more. On a 2-core
    CPU Faster R-CNN ResNet-50 640 takes 2.2 s per step at batch 1 and 8.5 s at batch 4
    (benchmarks/calibrate_memory.py): the zoo's 25 000 steps at batch 4 run for two and a
    half days. The estimate uses seconds per step measured with the real OD API on a
    2-core CPU; with a GPU present this rule cannot decide. Outside the course's layouts
    the config may be meant for a GPU machine: the estimate is then a detail (-v, review).

    Bad:
        train_config.batch_size: 4
        train_config.num_steps: 25000
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.total_steps: 25000
        expect train_config.num_steps
    Good:
        train_config.num_steps: 1000
    """
    written = needs(config.num_steps, "train_config")
    if machine.gpus:
        cannot_decide(_("seconds per step were measured on a CPU; this machine has a GPU"))
    estimate = estimate_training(config)
    seconds = estimate.seconds_per_step(config.batch_size) if estimate else None
    if seconds is None:
        cannot_decide(
            _("no timing measured for {arch} {extractor}", arch=config.arch, extractor=config.feature_extractor_type())
        )
    hours = written * seconds / 3600
    if hours <= max_hours:
        return None
    fitting = int(max_hours * 3600 / seconds)
    return Finding(
        _(
            "{steps} steps at about {seconds:.1f} s per step ({family}, batch {batch}, on a CPU) take about "
            "{days:.1f} days",
            steps=written,
            seconds=seconds,
            family=estimate.family.label,
            batch=config.batch_size,
            days=hours / 24,
        ),
        field="train_config.num_steps",
        hint=_("fine-tuning needs far fewer steps: about {steps} fit in a day (the course uses 1000)", steps=fitting)
        if max_hours == 24
        else _(
            "fine-tuning needs far fewer steps: about {steps} fit in {hours:g} hours", steps=fitting, hours=max_hours
        ),
        tier="default" if project.layout.startswith("course") else "detail",
    )
