"""How a training is spread over devices: model_main_tf2.py's three tf.distribute strategies.

    MirroredStrategy()              one machine, every visible GPU (or the CPU): the default
    MultiWorkerMirroredStrategy()   --num_workers N, the cluster described by TF_CONFIG
    TPUStrategy(resolver)           --use_tpu --tpu_name NAME

The lint needs only the number of replicas and how they are grouped in workers; the train
command needs the worker list too (TF_CONFIG). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MIRRORED, MULTI_WORKER, TPU = "mirrored", "multi_worker", "tpu"
TPU_CORES = 8  # a v2-8, v3-8 or v4-8 slice, what the zoo's *_tpu-8 configs were tuned on


class DistributionError(ValueError):
    """Options or TF_CONFIG that describe no runnable cluster; the message says why."""


@dataclass(frozen=True)
class Distribution:
    strategy: str = MIRRORED
    workers: int = 1
    devices_per_worker: int = 0  # GPUs per worker; 0 is the CPU, one replica
    tpu: str | None = None
    replicas_given: int | None = None  # --replicas: the count told, for a review on another machine
    local: bool = False  # --local-workers: every worker on this machine, sharing its RAM
    gpu_memory: int | None = None  # bytes of one GPU (--gpu-memory); no GPU memory is measured here
    source: str = ""  # the option or fact the count comes from, quoted in findings

    @property
    def replicas(self) -> int:
        if self.replicas_given:
            return self.replicas_given
        if self.strategy == TPU:
            return TPU_CORES
        return self.workers * max(1, self.devices_per_worker)

    @property
    def replicas_per_worker(self) -> int:
        return max(1, self.replicas // self.workers)

    @property
    def gpus(self) -> bool:
        return self.strategy != TPU and self.devices_per_worker > 0

    def describe(self) -> str:
        from pipecheck.i18n import _

        kind = {MIRRORED: "MirroredStrategy", MULTI_WORKER: "MultiWorkerMirroredStrategy", TPU: "TPUStrategy"}[
            self.strategy
        ]
        return _("{replicas} replicas ({kind}, {source})", replicas=self.replicas, kind=kind, source=self.source)


def default_distribution(visible_gpus: int) -> Distribution:
    """What model_main_tf2.py does without flags: MirroredStrategy over every visible GPU."""
    from pipecheck.i18n import _

    if visible_gpus:
        return Distribution(MIRRORED, 1, visible_gpus, source=_("{count} GPUs visible here", count=visible_gpus))
    return Distribution(MIRRORED, 1, 0, source=_("the CPU of this machine"))


def parse_gpus(text: str) -> int | str:
    if text == "all":
        return text
    if not text.isdigit() or int(text) < 1:
        from pipecheck.i18n import _

        raise DistributionError(_("--gpus: write a count (1 or more) or all, not {text!r}", text=text))
    return int(text)


def from_options(
    gpus=None,
    num_workers: int | None = None,
    tpu: str | None = None,
    local_workers: int | None = None,
    replicas: int | None = None,
    visible_gpus: int = 0,
) -> Distribution | None:
    """The distribution the command-line options ask for; None when they say nothing."""
    from pipecheck.i18n import _

    chosen = [
        name
        for name, value in (("--num-workers", num_workers), ("--tpu", tpu), ("--local-workers", local_workers))
        if value
    ]
    if len(chosen) > 1:
        raise DistributionError(_("{options}: choose one way to distribute", options=" and ".join(chosen)))
    devices = visible_gpus if gpus == "all" else gpus or 0
    if gpus == "all" and not visible_gpus and not replicas:
        raise DistributionError(
            _("--gpus all: no GPU is visible on this machine (write a count for a review elsewhere, or --replicas N)")
        )
    if tpu:
        if gpus:
            raise DistributionError(_("--tpu and --gpus: a TPU training uses no GPU"))
        source = (
            _("--tpu {name}, {cores} cores assumed", name=tpu, cores=TPU_CORES)
            if not replicas
            else _("--tpu {name}, --replicas {count}", name=tpu, count=replicas)
        )
        return Distribution(TPU, 1, 0, tpu=tpu, replicas_given=replicas, source=source)
    workers = num_workers or local_workers
    if workers:
        option = "--num-workers" if num_workers else "--local-workers"
        source = (
            _("{option} {workers}, {gpus} GPUs each", option=option, workers=workers, gpus=devices)
            if devices
            else _("{option} {workers} on CPUs", option=option, workers=workers)
        )
        return Distribution(
            MULTI_WORKER, workers, devices, replicas_given=replicas, local=bool(local_workers), source=source
        )
    if gpus:
        return Distribution(MIRRORED, 1, devices, replicas_given=replicas, source=f"--gpus {gpus}")
    if replicas:
        return Distribution(MIRRORED, 1, replicas, replicas_given=replicas, source=f"--replicas {replicas}")
    return None


@dataclass(frozen=True)
class Cluster:
    """The workers of a multi-worker run, in TF_CONFIG's terms."""

    jobs: dict  # {"chief": ["host:port"], "worker": [...]}, in the order TF numbers tasks

    @property
    def tasks(self) -> list[tuple[str, int, str]]:
        """(job, index, address) of every task, the chief first."""
        return [
            (job, index, address)
            for job in sorted(self.jobs, key=lambda job: job != "chief")
            for index, address in enumerate(self.jobs[job])
        ]

    def tf_config(self, job: str, index: int) -> str:
        return json.dumps({"cluster": self.jobs, "task": {"type": job, "index": index}})

    @staticmethod
    def chief_of(job: str, index: int, jobs: dict) -> bool:
        """TF's rule: the chief task, or worker 0 when the cluster has no chief."""
        return job == "chief" or (job == "worker" and index == 0 and "chief" not in jobs)


def read_tf_config(text: str | None, workers: int) -> tuple[Cluster, tuple[str, int]]:
    """The user's TF_CONFIG, checked against --num-workers: (cluster, this task)."""
    from pipecheck.i18n import _

    if not text:
        raise DistributionError(
            _(
                "--num-workers {workers}: TF_CONFIG is not set; every worker needs it, with the "
                "same cluster and its own task (or rehearse here with --local-workers "
                "{workers})",
                workers=workers,
            )
        )
    try:
        data = json.loads(text)
        jobs = {job: list(addresses) for job, addresses in data["cluster"].items() if job in ("chief", "worker")}
        task = (data["task"]["type"], int(data["task"]["index"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DistributionError(
            _(
                "TF_CONFIG is not what MultiWorkerMirroredStrategy reads ({error}); write "
                '{{"cluster": {{"worker": ["host1:port", ...]}}, "task": {{"type": "worker", '
                '"index": 0}}}}',
                error=error,
            )
        ) from None
    count = sum(len(addresses) for addresses in jobs.values())
    if count != workers:
        raise DistributionError(
            _(
                "--num-workers {workers} but TF_CONFIG lists {count} chief and worker tasks",
                workers=workers,
                count=count,
            )
        )
    if task[0] not in jobs or not 0 <= task[1] < len(jobs[task[0]]):
        raise DistributionError(_("TF_CONFIG's task {job} {index} is not in its cluster", job=task[0], index=task[1]))
    return Cluster(jobs), task


def local_cluster(workers: int) -> Cluster:
    """A cluster of `workers` tasks on 127.0.0.1, on ports free now: worker 0 is the chief."""
    import socket

    sockets, addresses = [], []
    try:
        for _index in range(workers):
            held = socket.socket()
            held.bind(("127.0.0.1", 0))
            sockets.append(held)
            addresses.append(f"127.0.0.1:{held.getsockname()[1]}")
    finally:  # held together until all are chosen, so no two workers get the same port
        for held in sockets:
            held.close()
    return Cluster({"worker": addresses})
