"""Rules about a training spread over replicas: several GPUs, several workers, a TPU.

The replica count comes from train's --gpus, --num-workers, --local-workers or --tpu, or from
--replicas for a review on another machine; without them, from the GPUs visible here (what
model_main_tf2.py's MirroredStrategy() takes). On one replica these rules have nothing to say.
"""

from pipecheck import N_, Finding, _, cannot_decide, fixture, rule
from pipecheck.rulekit import MULTI_WORKER, TPU, default_distribution, estimate_training, format_bytes, is_remote

from ._common import needs

CODES = ("PC410", "PC419")

_STATIC_RESIZERS = N_("fixed_shape_resizer, or keep_aspect_ratio_resizer with pad_to_max_dimension: true")


@fixture
def distribution(options, machine):
    """The replicas the training runs on (pipecheck.odapi.distribution.Distribution)."""
    return options.distribution or default_distribution(machine.gpus)


@rule("PC411", "batch-divisible-by-replicas", category="distribution", severity="error")
def batch_divisible_by_replicas(config, distribution):
    """batch_size is a multiple of the replica count, with at least one image per replica.

    Catalogue: R-02

    Why: batch_size is the global batch. builders/dataset_builder.py:241-242 asks
    tf.distribute for each replica's share (input_context.get_per_replica_batch_size),
    which raises "ValueError: The `global_batch_size` 1 is not divisible by
    `num_replicas_in_sync` 2" once TensorFlow has started, the model is built and the
    checkpoint restored. On a 4-GPU box MirroredStrategy() takes every GPU, so batch 1
    or 2 from a laptop config fails there.

    Bad:
        train_config.batch_size: 3
        option --replicas 2
    Good:
        train_config.batch_size: 2
        option --replicas 2
    """
    replicas, batch = distribution.replicas, config.batch_size
    if replicas <= 1 or batch is None or batch % replicas == 0:
        return None
    lower, upper = batch // replicas * replicas, (batch // replicas + 1) * replicas
    choices = _("{lower} or {upper}", lower=lower, upper=upper) if lower else str(upper)
    return Finding(
        _(
            "batch_size {batch} cannot be split over {described}: dataset_builder.py asks for each replica's "
            'share and TensorFlow refuses ("The `global_batch_size` {batch} is not divisible by '
            '`num_replicas_in_sync` {replicas}")',
            batch=batch,
            described=distribution.describe(),
            replicas=replicas,
        ),
        field="train_config.batch_size",
        hint=_(
            "write batch_size: {choices} (the global batch: a multiple of {replicas})",
            choices=choices,
            replicas=replicas,
        ),
    )


@rule("PC412", "input-files-per-worker", category="distribution", severity="error")
def input_files_per_worker(config, project, distribution):
    """Each worker gets at least one input file: the OD API shards the files, not the records.

    Catalogue: R-02 (the same strategy; this failure was measured here)

    Why: with several workers, dataset_builder.py:167-177 gives worker i the files
    i, i+N, i+2N... of the input_path list (dataset.shard over file names). With one
    train.record and two workers, the second worker gets no file at all. Measured here
    (two loopback workers, TensorFlow 2.15): its first batch raises "OutOfRangeError:
    End of sequence", which aborts the chief's collective ("UnavailableError: Collective
    ops is aborted by: Error reported from /job:worker/task:1"), a minute after the
    start. Write the records in at least as many shards as workers
    (train.record-00000-of-00004, ...).

    Bad:
        option --num-workers 2
        train_config.batch_size: 2
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        option --num-workers 2
        train_config.batch_size: 2
        copy faces_cubes/training/train.record faces_cubes/training/train-2.record
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train*.record"
    """
    if distribution.strategy != MULTI_WORKER or distribution.workers <= 1:
        return None
    patterns = list(config.train_input.tf_record_input_reader.input_path)
    if any(is_remote(pattern) for pattern in patterns):
        cannot_decide(_("the training records are remote: their files cannot be counted from here"))
    files = sorted({path for pattern in patterns for path in project.matches(pattern, pattern=True)})
    if not files or len(files) >= distribution.workers:
        return None  # no file at all is the path rules' finding
    return Finding(
        _(
            "{count} training file(s) for {workers} workers: the OD API shards input files across workers "
            "(dataset_builder.py:167-177), so {idle} worker(s) get no record and fail at the first step "
            "(OutOfRangeError: End of sequence)",
            count=len(files),
            workers=distribution.workers,
            idle=distribution.workers - len(files),
        ),
        field="train_input_reader.tf_record_input_reader.input_path[0]",
        hint=_(
            "write the training records in {workers} or more shards and name them with a pattern, "
            "e.g. train.record-?????-of-{workers:05d}",
            workers=distribution.workers,
        ),
    )


@rule("PC413", "tpu-static-shapes", category="distribution", severity="error")
def tpu_static_shapes(config, distribution):
    """On a TPU the images have one static size: a fixed-shape resizer, or padding to the maximum.

    Catalogue: M-01

    Why: XLA compiles the TPU step for one input shape. The OD API pads the inputs to
    the size config_util.get_spatial_image_size finds in the resizer (inputs.py
    pad_input_data_to_static_shapes); keep_aspect_ratio_resizer without
    pad_to_max_dimension gives [-1, -1], a dynamic shape the TPU compile refuses.

    Bad:
        option --tpu local
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: false
    Good:
        option --tpu local
        train_config.batch_size: 8
        model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension: true
    """
    if distribution.strategy != TPU or config.model is None or not config.model.HasField("image_resizer"):
        return None
    resizer = config.model.image_resizer
    kind = resizer.WhichOneof("image_resizer_oneof")
    if kind == "fixed_shape_resizer" or (
        kind == "keep_aspect_ratio_resizer" and resizer.keep_aspect_ratio_resizer.pad_to_max_dimension
    ):
        return None
    field = f"{config.arch_path}.image_resizer.{kind}" + (
        ".pad_to_max_dimension" if kind == "keep_aspect_ratio_resizer" else ""
    )
    return Finding(
        _(
            "{kind} gives images of varying size, which a TPU cannot compile for ({source})",
            kind=kind,
            source=distribution.source,
        ),
        field=field if config.written(field) else f"{config.arch_path}.image_resizer",
        hint=_("use {resizers}", resizers=_(_STATIC_RESIZERS)),
    )


@rule("PC414", "tpu-reads-cloud-storage", category="distribution", severity="error")
def tpu_reads_cloud_storage(config, distribution):
    """A Cloud TPU reached by name reads its records and checkpoint from gs://, not from this disk.

    Catalogue: F-02

    Why: with --use_tpu --tpu_name NAME, model_main_tf2.py connects to a TPU worker
    elsewhere (TPUClusterResolver(NAME)); the input pipeline and the checkpoint restore
    run there and see Cloud Storage, not the files of the machine that launched them
    (the error is a NotFound or "Unimplemented: File system scheme '[local]' not
    implemented"). On a TPU VM (--tpu local) local files are fine.

    Bad:
        option --tpu my-tpu
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        option --tpu local
        train_config.batch_size: 8
    """
    if distribution.strategy != TPU or distribution.tpu == "local":
        return None
    fields = [("train_config.fine_tune_checkpoint", config.train.fine_tune_checkpoint)]
    for reader_path, reader in config.input_readers():
        fields += [
            (f"{reader_path}.tf_record_input_reader.input_path[{i}]", value)
            for i, value in enumerate(reader.tf_record_input_reader.input_path)
        ]
        fields.append((f"{reader_path}.label_map_path", reader.label_map_path))
    for field, value in fields:
        if value and not value.startswith("gs://"):
            yield Finding(
                _(
                    "{value} is a local path; the TPU {name} reads only gs:// (Cloud Storage)",
                    value=value,
                    name=distribution.tpu,
                ),
                field=field,
                hint=_("copy it to a bucket (gsutil cp) and write its gs:// path"),
            )


@rule("PC415", "bfloat16-on-tpu", category="distribution", severity="info")
def bfloat16_on_tpu(config, distribution):
    """On a TPU, use_bfloat16: true is honoured: activations in bfloat16, about half the memory.

    Catalogue: N-01

    Why: model_lib_v2.py:509 keeps use_bfloat16 only with use_tpu; there it sets the
    mixed_bfloat16 policy, the setting the zoo's TPU configs were tuned with. Off a
    TPU it is ignored (PC401).

    Bad:
        option --tpu local
        train_config.use_bfloat16: false
    Good:
        option --tpu local
        train_config.batch_size: 8
        train_config.use_bfloat16: true
    """
    if distribution.strategy != TPU or config.train.use_bfloat16:
        return None
    return Finding(
        _(
            "use_bfloat16 is false: on a TPU the OD API would train in mixed bfloat16, as the zoo's TPU "
            "configs do, with about half the activation memory"
        ),
        field="train_config.use_bfloat16",
        hint=_("write use_bfloat16: true for the TPU run"),
        replacement="true",
    )


@rule("PC416", "evaluation-on-one-device", category="distribution", severity="warning")
def evaluation_on_one_device(config, distribution):
    """eval_config.batch_size was not scaled with the replicas: evaluation runs on one device.

    Catalogue: R-01, E-02

    Why: model_main_tf2.py --checkpoint_dir (evaluation) builds no strategy: one device
    evaluates, whatever the training used, and eval_lib unpads the groundtruth only at
    batch 1. A batch_size raised to feed every replica needs that many images' memory
    on one device, or fails on images of different sizes.

    Bad:
        option --replicas 2
        train_config.batch_size: 2
        eval_config.batch_size: 2
        expect eval_config.batch_size
    Good:
        option --replicas 2
        train_config.batch_size: 2
        eval_config.batch_size: 1
    """
    evaluation = config.eval_config
    if distribution.replicas <= 1 or evaluation is None or evaluation.batch_size <= 1:
        return None
    return Finding(
        _(
            "eval_config.batch_size {batch}: evaluation runs on one device even when training uses {replicas}",
            batch=evaluation.batch_size,
            replicas=distribution.describe(),
        ),
        field="eval_config.batch_size",
        hint=_("write batch_size: 1 in eval_config"),
    )


@rule("PC417", "global-batch-schedule", category="distribution", severity="info")
def global_batch_schedule(config, records, distribution):
    """With several replicas, says how the global batch sets the epochs and the learning rate.

    Catalogue: O-07, R-03

    Why: batch_size is global: N replicas each take batch_size / N images, so a step
    sees batch_size images whatever N. Someone who multiplies batch_size by N to "keep
    the per-GPU batch" trains N times more epochs in the same num_steps, at a learning
    rate tuned for the smaller batch (the linear scaling rule, Goyal et al. 2017, scales
    the rate with the batch and divides the steps).

    Bad:
        option --replicas 2
        train_config.batch_size: 2
        expect train_config.batch_size
    Good:
        train_config.batch_size: 2
    """
    if distribution.replicas <= 1:
        return None
    train = records.train
    images = train.records if train else 0
    if not images:
        cannot_decide(_("no training records to count epochs against"))
    batch, steps = needs(config.batch_size, "train_config"), config.num_steps
    epochs = steps * batch / images
    return Finding(
        _(
            "batch_size {batch} is the global batch: {replicas} replicas of {share} image(s); {steps} steps "
            "are {epochs:.1f} epochs of the {images} training images. A batch k times larger calls for about k "
            "times the learning rate and k times fewer steps for the same epochs",
            batch=batch,
            replicas=distribution.replicas,
            share=f"{batch / distribution.replicas:g}",
            steps=steps,
            epochs=epochs,
            images=images,
        ),
        field="train_config.batch_size",
    )


@rule("PC418", "memory-per-replica", category="machine", severity="error")
def memory_per_replica(config, machine, distribution):
    """Each replica's share of the batch fits in its memory: RAM per CPU worker, GPU memory per device.

    Catalogue: R-01

    Why: a replica holds the whole model and batch_size / replicas images. CPU workers are
    killed by the OS when the RAM runs out (--ram is each worker's RAM; --local-workers
    share this machine's); a GPU raises ResourceExhaustedError at the first steps. The
    estimate is PC402's, measured on CPUs; on a GPU it is a prior (±30 %), and needs
    --gpu-memory since no GPU memory is measured here.

    Bad:
        option --local-workers 2 --ram 4GiB
        train_config.batch_size: 2
    Good:
        option --local-workers 2 --ram 12GiB
        train_config.batch_size: 2
        copy faces_cubes/training/train.record faces_cubes/training/train-2.record
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train*.record"
    """
    if distribution.replicas <= 1:
        return None
    estimate = estimate_training(config)
    if estimate is None:
        cannot_decide(_("no memory model for this architecture (see PC402)"))
    share = max(1, needs(config.batch_size, "train_config") // distribution.replicas)
    per_replica = estimate.needed_bytes(share)
    origin = _("measured on CPUs") if estimate.family.measured else _("a prior, ±30 %")
    if distribution.gpus:
        if distribution.gpu_memory is None:
            cannot_decide(_("the GPUs' memory is not known here: give --gpu-memory (e.g. 16GiB)"))
        if per_replica <= distribution.gpu_memory:
            return None
        return Finding(
            _(
                "{share} image(s) per GPU need about {needed} ({family}, a prior from CPU measurements, "
                "±30 %) but a GPU has {memory}: ResourceExhaustedError at the first steps",
                share=share,
                needed=format_bytes(per_replica),
                family=estimate.family.label,
                memory=format_bytes(distribution.gpu_memory),
            ),
            field="train_config.batch_size",
            hint=_("lower batch_size, or use GPUs with more memory"),
        )
    if distribution.strategy == TPU:
        return None  # a TPU core's HBM is not modelled: nothing measured
    together = distribution.workers if distribution.local else 1
    needed = per_replica * together
    if needed <= machine.ram_available:
        return None
    where = _("{workers} workers on this machine", workers=together) if together > 1 else _("each worker")
    return Finding(
        _(
            "{where} need(s) about {needed} for {share} image(s) per replica ({family}, {origin}, +15 %) but "
            "has {ram}: the workers would be killed",
            where=where,
            needed=format_bytes(needed),
            share=share,
            family=estimate.family.label,
            origin=origin,
            ram=format_bytes(machine.ram_available),
        ),
        field="train_config.batch_size",
        hint=_("lower batch_size, or give each worker more RAM"),
    )
