"""The options that spread a training over replicas, and the Distribution they describe."""

from __future__ import annotations

import argparse

from pipecheck.cli.arguments import MAX_GPUS, MAX_LOCAL_WORKERS, MAX_WORKERS, UsageError, bounded, gpu_count
from pipecheck.i18n import _


def add_replica_options(parser) -> None:
    """The replica count of a training that runs elsewhere, and its GPUs' memory."""
    parser.add_argument(
        "--replicas",
        type=bounded(MAX_WORKERS * MAX_GPUS),
        metavar="N",
        help=_("lint for a training over N replicas (GPUs, workers or TPU cores; default: the GPUs visible here)"),
    )
    parser.add_argument("--gpu-memory", metavar="SIZE", help=_("memory of one GPU of the training, e.g. 16GiB"))


def add_strategy_options(parser: argparse.ArgumentParser) -> None:
    """model_main_tf2.py's strategies: passed through by train, linted for by check, fix and review."""
    group = parser.add_argument_group(_("distribution (model_main_tf2.py's tf.distribute strategies)"))
    group.add_argument(
        "--gpus",
        type=gpu_count,
        metavar="N|all",
        help=_("MirroredStrategy over N GPUs of this machine, or all of them"),
    )
    group.add_argument(
        "--num-workers",
        type=bounded(MAX_WORKERS),
        metavar="N",
        help=_("MultiWorkerMirroredStrategy over N workers described by TF_CONFIG (run it on each)"),
    )
    group.add_argument("--tpu", metavar="NAME", help=_("TPUStrategy on the Cloud TPU NAME (local on a TPU VM)"))
    group.add_argument(
        "--local-workers",
        type=bounded(MAX_LOCAL_WORKERS),
        metavar="N",
        help=_("rehearse a cluster: N workers on 127.0.0.1, supervised together"),
    )
    add_replica_options(group)


def distribution_from_args(args):
    """The Distribution the options describe, or None (the lint then uses this machine's GPUs)."""
    from dataclasses import replace

    from pipecheck.odapi.distribution import DistributionError, from_options, parse_gpus
    from pipecheck.odapi.machine import current_machine, parse_size

    try:
        gpus = parse_gpus(args.gpus) if getattr(args, "gpus", None) else None
        distribution = from_options(
            gpus,
            getattr(args, "num_workers", None),
            getattr(args, "tpu", None),
            getattr(args, "local_workers", None),
            getattr(args, "replicas", None),
            visible_gpus=current_machine().gpus if gpus == "all" else 0,
        )
    except DistributionError as error:
        raise UsageError(str(error)) from None
    memory = getattr(args, "gpu_memory", None)
    if memory is not None:
        try:
            memory = parse_size(memory)
        except ValueError as error:
            raise UsageError(_("--gpu-memory: {error}", error=error)) from None
    if memory is not None:
        from pipecheck.odapi.distribution import default_distribution

        distribution = replace(distribution or default_distribution(current_machine().gpus), gpu_memory=memory)
    return distribution
