"""What a training spread over replicas needs around the launcher: its strategy, environment and workers.

The command line describes a Distribution (cli/distribute.py); the jobs use these to start it.
"""

from __future__ import annotations

from pipecheck.i18n import _
from pipecheck.wrappers.launch import WorkflowError


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
        raise WorkflowError(str(error)) from None


def workers_plan(launches: list[tuple[str, object]], example: bool, stock: list[str]) -> list[str]:
    """What --dry-run prints for a cluster: each worker's directory, environment and command, as it would start."""
    import shlex

    from pipecheck.wrappers.launch import plan_lines

    lines = (
        [_("# TF_CONFIG is not set: these addresses are an example; every machine needs its own task")]
        if example
        else []
    )
    for name, launch in launches:
        lines += [f"# {name}", *plan_lines(launch)]
    lines.append(_("# the same with the OD API's own script, on each machine with its TF_CONFIG:"))
    lines.append("# " + shlex.join(stock))
    return lines


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
