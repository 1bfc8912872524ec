"""Several training workers on this machine, one MultiWorkerMirroredStrategy cluster over 127.0.0.1.

Each worker is the launcher in its own session, with the same model_dir and its own TF_CONFIG:
the chief (worker 0) writes checkpointN as a single run would; the OD API makes the others
write into checkpointN/temp_worker_NNN and deletes it at the end (model_lib_v2.get_filepath).
They are supervised together: the chief's output feeds the progress bar; Ctrl-C is passed to
every worker (then SIGTERM, then SIGKILL, as for one); when one worker fails the others, which
would wait for it in the next all-reduce forever, are stopped and its error is the one shown.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.wrappers.supervise import Child, Finished


@dataclass
class Worker:
    name: str  # "chief", "worker 1", ...
    launch: object  # wrappers.launch.Launch, with this worker's TF_CONFIG
    log_path: Path


def local_workers(launch, count: int, run_folder: Path) -> list[Worker]:
    """`count` copies of a train launch forming one cluster on free loopback ports; worker 0 is the chief."""
    from pipecheck.odapi.distribution import local_cluster

    cluster = local_cluster(count)
    workers = []
    for job, index, _address in cluster.tasks:
        environment = {**launch.environment, "TF_CONFIG": cluster.tf_config(job, index), "CUDA_VISIBLE_DEVICES": "-1"}
        name = _("chief") if index == 0 else _("worker {index}", index=index)
        log = run_folder / ("train.log" if index == 0 else f"train-worker{index}.log")
        workers.append(Worker(name, replace(launch, environment=environment), log))
    return workers


@dataclass
class GroupFinished:
    chief: Finished
    failed: tuple[str, Finished] | None  # the first worker that ended in error while the others ran
    others: list[Finished]


def supervise_workers(
    workers: list[Worker], cwd: Path, on_line=None, on_tick=None, tick_seconds: float = 0.5, stop_grace: float = 60.0
) -> GroupFinished:
    """Run every worker until all have ended; the first one's lines go to `on_line`."""
    started = time.monotonic()
    running = [_Child(worker, cwd, on_line if position == 0 else None) for position, worker in enumerate(workers)]
    interrupts, stopping_since, failed = 0, None, None
    try:
        while any(child.process.poll() is None for child in running):
            try:
                if on_tick is not None:
                    on_tick()
                time.sleep(tick_seconds)
                if failed is None and interrupts == 0:  # after Ctrl-C, workers end with 130 by design
                    failed = next(
                        ((child.worker.name, child) for child in running if child.process.poll() not in (None, 0)), None
                    )
                    if failed is not None:
                        print(
                            "\n" + _("{name} failed: stopping the other workers", name=failed[0]),
                            file=sys.stderr,
                            flush=True,
                        )
                        interrupts, stopping_since = 2, time.monotonic()  # peers blocked in a collective ignore SIGINT
                        _signal_all(running, signal.SIGTERM)
                if stopping_since is not None and time.monotonic() - stopping_since > stop_grace:
                    interrupts, stopping_since = interrupts + 1, time.monotonic()
                    _signal_all(running, signal.SIGTERM if interrupts == 2 else signal.SIGKILL)
            except KeyboardInterrupt:
                interrupts += 1
                stopping_since = time.monotonic()
                chosen = {1: signal.SIGINT, 2: signal.SIGTERM}.get(interrupts, signal.SIGKILL)
                message = {
                    signal.SIGINT: _("stopping every worker (Ctrl-C again to stop at once)"),
                    signal.SIGTERM: _("stopping every worker at once"),
                    signal.SIGKILL: _("killing every worker"),
                }[chosen]
                print("\n" + message, file=sys.stderr, flush=True)
                _signal_all(running, chosen)
    finally:
        _signal_all(running, signal.SIGKILL)  # nothing outlives pipecheck, whatever happened above
    if failed is None and interrupts == 0:  # workers that ended in the same tick, after the loop's last look
        failed = next(((child.worker.name, child) for child in running if child.process.returncode != 0), None)
    if on_tick is not None:
        on_tick()
    seconds = time.monotonic() - started
    ended = [child.finished(interrupts > 0 and failed is None, seconds) for child in running]
    failure = None
    if failed is not None:
        failure = (failed[0], ended[running.index(failed[1])])
    return GroupFinished(ended[0], failure, ended[1:])


class _Child(Child):
    def __init__(self, worker: Worker, cwd: Path, on_line):
        launch = worker.launch
        super().__init__(launch.command, launch.full_environment(), cwd, worker.log_path, on_line, launch.descriptors)
        self.worker = worker

    def finished(self, interrupted: bool, seconds: float) -> Finished:
        self.wait()
        return super().finished(interrupted, seconds)


def _signal_all(children: list[_Child], chosen: int) -> None:
    for child in children:
        if child.process.poll() is None:
            try:
                os.killpg(child.process.pid, chosen)
            except ProcessLookupError:
                pass
