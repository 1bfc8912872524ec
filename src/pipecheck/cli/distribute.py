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


def launcher_strategy(distribution) -> dict | None:
    """What the launcher needs to build the strategy (None: MirroredStrategy, as without options)."""
    if distribution is None:
        return None
    return {"kind": distribution.strategy, "tpu": distribution.tpu, "workers": distribution.workers}


def strategy_environment(distribution) -> dict[str, str]:
    """--gpus N: only the first N GPUs are visible, since MirroredStrategy() takes every visible one."""
    if (
        distribution is not None
        and distribution.strategy == "mirrored"
        and distribution.devices_per_worker
        and not distribution.replicas_given
    ):
        import os

        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        devices = visible.split(",") if visible else [str(i) for i in range(distribution.devices_per_worker)]
        return {"CUDA_VISIBLE_DEVICES": ",".join(devices[: distribution.devices_per_worker])}
    return {}


def stock_flags(distribution) -> list[str]:
    """model_main_tf2.py's own flags for the same strategy."""
    if distribution is None:
        return []
    if distribution.strategy == "tpu":
        return ["--use_tpu=true", f"--tpu_name={distribution.tpu}"]
    if distribution.strategy == "multi_worker":
        return [f"--num_workers={distribution.workers}"]
    return []


def cluster_tasks(distribution, dry_run: bool):
    """(cluster, this task or None) for --num-workers: the user's TF_CONFIG; for a dry run without it, an example."""
    import os

    from pipecheck.odapi.distribution import Cluster, DistributionError, read_tf_config

    text = os.environ.get("TF_CONFIG")
    if dry_run and not text:
        example = [f"host{index}.example:2222" for index in range(distribution.workers)]
        return Cluster({"chief": example[:1], "worker": example[1:]}), None
    try:
        return read_tf_config(text, distribution.workers)
    except DistributionError as error:
        raise UsageError(str(error)) from None


def print_workers_dry_run(launches: list[tuple[str, object]], example: bool, stock: list[str]) -> None:
    """Each worker's directory, environment and command, as it would be started."""
    import shlex

    from pipecheck.wrappers.launch import print_dry_run

    if example:
        print(_("# TF_CONFIG is not set: these addresses are an example; every machine needs its own task"))
    for name, launch in launches:
        print(f"# {name}")
        print_dry_run(launch)
    print(_("# the same with the OD API's own script, on each machine with its TF_CONFIG:"))
    print("# " + shlex.join(stock))


def worker_launches(launch, distribution, dry_run: bool, run_folder):
    """[(name, Launch)] for every worker this command starts or shows, and whether the cluster is an example."""
    from dataclasses import replace

    if distribution.local:
        from pipecheck.wrappers.workers import local_workers

        return [
            (worker.name, worker.launch) for worker in local_workers(launch, distribution.workers, run_folder)
        ], False
    cluster, task = cluster_tasks(distribution, dry_run)
    launches = [
        (
            f"{job} {index} ({address})",
            replace(launch, environment={**launch.environment, "TF_CONFIG": cluster.tf_config(job, index)}),
        )
        for job, index, address in cluster.tasks
    ]
    return launches, task is None


def run_local_workers(launch, distribution, run, progress):
    """Start and supervise the loopback workers; the chief's Finished, with a failing worker's error shown."""
    import sys

    from pipecheck.wrappers.launch import explain_failure
    from pipecheck.wrappers.workers import local_workers, supervise_workers

    follower = None
    if run.events_folder is not None:
        from pipecheck.artifacts.events import EventsFollower

        follower = EventsFollower(run.events_folder)

    def tick():
        if follower is not None:
            progress.feed_scalars(follower.poll())
        progress.draw()

    workers = local_workers(launch, distribution.workers, run.folder)
    print(
        _(
            "{count} workers on 127.0.0.1 ({addresses}); their logs: {logs}",
            count=len(workers),
            addresses=", ".join(_address(worker) for worker in workers),
            logs=", ".join(str(worker.log_path.name) for worker in workers),
        ),
        file=sys.stderr,
    )
    try:
        group = supervise_workers(workers, launch.root, on_line=progress.feed_line, on_tick=tick)
    finally:
        progress.close()
    if group.failed is not None and group.failed[1] is not group.chief:
        name, finished = group.failed
        worker = next(w for w in workers if w.name == name)
        explain_failure(finished, worker.log_path, f"train ({name})")
    return group.chief if group.failed is None or group.failed[1] is group.chief else _failed_chief(group)


def _address(worker) -> str:
    import json

    data = json.loads(worker.launch.environment["TF_CONFIG"])
    return data["cluster"][data["task"]["type"]][data["task"]["index"]]


def _failed_chief(group):
    """The chief stopped because another worker failed: report that worker's exit status and error."""
    from dataclasses import replace

    failed = group.failed[1]
    return replace(group.chief, returncode=failed.returncode or 1, interrupted=False, tail=failed.tail)
