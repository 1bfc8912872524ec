"""TrainJob: the OD API's training of a linted config in the next checkpointN (or a resumed one), supervised."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import N_, _
from pipecheck.project import PRETRAINED_FOLDERS
from pipecheck.wrappers.distributed import (
    cluster_tasks,
    launcher_strategy,
    run_local_workers,
    stock_flags,
    strategy_environment,
    worker_launches,
    workers_plan,
)
from pipecheck.wrappers.launch import Launch, WorkflowError, explain_failure, plan_lines, prepare, run_launch
from pipecheck.wrappers.progress import RunProgress, duration
from pipecheck.wrappers.runs import (
    Run,
    anchored,
    claim_next_run,
    guard_run_writes,
    held_run,
    next_run,
    refuse_changed_config,
    run_root,
    runs_beside,
    update_record,
    write_record,
)
from pipecheck.wrappers.watchdog import Watchdog, schedule_of


@dataclass
class TrainJob:
    """What `pipecheck train` runs. `lint` is the engine's RunResult for the config (its project and config);
    `path` is the folder as the user named it, for the commands suggested at the end."""

    lint: object
    path: str
    python: str | None = None  # the interpreter that has TensorFlow (default: this one)
    num_steps: int | None = None  # stop there (default: the config's num_steps)
    checkpoint_every: int = 1000
    resume: int | None = None  # continue checkpointN instead of starting the next one
    force: bool = False  # resume although the config changed
    distribution: object = None  # an odapi.distribution.Distribution, None for this machine's default
    watchdog: bool = True
    destination: Run = field(init=False)  # the checkpointN it trains in

    def __post_init__(self):
        project = self.lint.project
        if set(PRETRAINED_FOLDERS) & set(Path(project.display(project.config_path)).parts):
            raise WorkflowError(
                _(
                    "{config} is the zoo's own copy: training would write into the pre-trained folder "
                    "(catalogue C-11); train a copy (pipecheck init)",
                    config=project.display(project.config_path),
                )
            )
        self.destination = self._run_folder()

    @property
    def steps(self) -> int:
        return self.num_steps or self.lint.config.train.num_steps

    @property
    def reached(self) -> int | None:
        return (self.destination.record() or {}).get("last_step")

    @property
    def workers(self) -> bool:
        return self.distribution is not None and self.distribution.strategy == "multi_worker"

    def nothing_to_do(self) -> str | None:
        """Why the OD API would train nothing (a resumed run already at its last step), or None."""
        if self.resume is not None and self.reached is not None and self.reached >= self.steps:
            return _(
                "{folder} already reached step {step} of {steps}: the OD API would train nothing; raise num_steps "
                "(or --num-steps) to train further",
                folder=self.lint.project.display(self.destination.folder),
                step=self.reached,
                steps=self.steps,
            )
        return None

    def plan(self) -> str:
        """What --dry-run prints: the directory, environment and command of the launcher (of each worker)."""
        launch = self._launch(self.destination, dry_run=True)
        if self.workers:
            return "\n".join(
                workers_plan(*worker_launches(launch, self.distribution, True, self.destination.folder), self.stock)
            )
        return "\n".join(plan_lines(launch, self.stock))

    @property
    def stock(self) -> list[str]:
        """The same training with the OD API's own script."""
        project = self.lint.project
        return (
            [
                "python",
                "model_main_tf2.py",
                f"--model_dir={project.display(self.destination.folder)}",
                f"--pipeline_config_path={project.display(project.config_path)}",
                f"--checkpoint_every_n={self.checkpoint_every}",
            ]
            + ([f"--num_train_steps={self.num_steps}"] if self.num_steps else [])
            + stock_flags(self.distribution)
            + ["--alsologtostderr"]
        )

    def run(self, progress: RunProgress | None = None) -> int:
        """Train, showing `progress` (default: a bar over the steps); the exit code (130 when interrupted).

        The OD API writes into the run folder through the descriptor pipecheck opened it with (runs.held_run),
        never through a link put at its name after the check."""
        run, launch, reached = self.destination, self._launch(self.destination), self.reached
        if self.workers and not self.distribution.local:
            cluster_tasks(self.distribution, dry_run=False)  # refuses a missing or inconsistent TF_CONFIG first
        if self.resume is None:  # claimed only now that nothing refuses, so a refusal leaves no empty checkpointN
            run = claim_next_run(self.lint.project.config_dir, self.lint.project.root)
            if run.folder != self.destination.folder:  # another train took the planned number meanwhile
                launch = self._launch(run)
            self.destination = run
        root = run_root(self.lint.project.config_dir, self.lint.project.root)
        with held_run(run, root, "train", workers=self.workers) as descriptor:
            write_record(run, self.lint.config, launch.command, self.steps)
            print(self._starting(run, reached), file=sys.stderr)
            if progress is None:
                progress = RunProgress(
                    _("train"),
                    total=self.steps,
                    first_step=reached or 0,
                    waiting_hint=_("the first step comes after about a minute on a CPU"),
                )
            watch = Watchdog(schedule_of(self.lint.config, self.steps)) if self.watchdog else None
            finished = self._supervise(anchored(launch, descriptor), run, progress, watch)
        return self._outcome(finished, run, progress, watch)

    def _supervise(self, launch: Launch, run: Run, progress: RunProgress, watch: Watchdog | None):
        if self.workers and self.distribution.local:
            return run_local_workers(launch, self.distribution, run, progress)
        return run_launch(launch, run.folder / "train.log", progress, events_folder=run.events_folder, watch=watch)

    def _launch(self, run: Run, dry_run: bool = False) -> Launch:
        project = self.lint.project
        options = {
            "pipeline": project.display(project.config_path),
            "model_dir": project.display(run.folder),
            "num_steps": self.num_steps,
            "checkpoint_every": self.checkpoint_every,
        }
        if self.distribution is not None:
            options["strategy"] = launcher_strategy(self.distribution)
        launch = prepare("train", options, project.root, self.python, dry_run)
        launch.environment.update(strategy_environment(self.distribution))
        return launch

    def _starting(self, run: Run, reached: int | None) -> str:
        project = self.lint.project
        log = project.display(run.folder / "train.log")
        if self.resume is not None:
            return _(
                "resuming {folder} from step {step} (log: {log})",
                step=reached or 0,
                folder=project.display(run.folder),
                log=log,
            )
        return _(
            "training {config} in {folder} (log: {log})",
            config=project.display(project.config_path),
            folder=project.display(run.folder),
            log=log,
        )

    def _outcome(self, finished, run: Run, progress: RunProgress, watch: Watchdog | None) -> int:
        """Say how the run ended and where its checkpoint is; the exit code."""
        project = self.lint.project
        outcome = finished.result or {}
        if outcome.get("step") is not None:
            update_record(run, last_step=outcome["step"])
        if watch is not None and watch.stopping is not None:
            return self._stopped_by_watchdog(watch, run)
        if finished.returncode != 0 and not finished.interrupted:
            explain_failure(finished, run.folder / "train.log", "train")
            return finished.returncode
        saved = project.display(Path(project.root, outcome["checkpoint"])) if outcome.get("checkpoint") else None
        if finished.interrupted:
            print(
                _(
                    "stopped at step {step} after {time}; saved: {saved}",
                    step=outcome.get("step", "?"),
                    time=duration(finished.seconds),
                    saved=saved or _("nothing"),
                )
            )
            print(_("continue with: pipecheck train {path} --resume {number}", path=self.path, number=run.number))
            return 130
        speed = _("{seconds:.2f} s/step", seconds=progress.seconds_per_step) if progress.seconds_per_step else ""
        loss = _("last loss {loss:.4g}", loss=progress.loss) if progress.loss is not None else ""
        print(
            _(
                "trained to step {step} in {time} ({details}); last checkpoint: {saved}",
                step=outcome.get("step", "?"),
                time=duration(finished.seconds),
                details=", ".join(part for part in (speed, loss) if part),
                saved=saved or _("none"),
            )
        )
        print(_("next: pipecheck export {path}   or   pipecheck eval {path}", path=self.path))
        return 0

    def _stopped_by_watchdog(self, watch: Watchdog, run: Run) -> int:
        """The run was terminated without saving: say why, and which checkpoint is still good."""
        project = self.lint.project
        alarm = watch.stopping
        print(
            _("pipecheck train: stopped at step {step}: {alarm}", step=alarm.step, alarm=alarm.message), file=sys.stderr
        )
        good = watch.last_good_checkpoint(alarm.step)
        if good is not None:
            update_record(run, last_step=good[0], stopped=alarm.kind, stopped_at=alarm.step)
            print(
                _(
                    "the last good checkpoint is {checkpoint} (step {step}); nothing was saved after it",
                    checkpoint=project.display(Path(project.root, good[1])),
                    step=good[0],
                ),
                file=sys.stderr,
            )
        else:
            print(_("no checkpoint was saved before step {step}", step=alarm.step), file=sys.stderr)
        print(_("  full log: {path}", path=project.display(run.folder / "train.log")), file=sys.stderr)
        return 1

    def _run_folder(self) -> Run:
        config_dir = self.lint.project.config_dir
        if self.resume is None:
            return next_run(config_dir)
        run = runs_beside(config_dir).get(self.resume)
        if run is None:
            raise WorkflowError(
                _(
                    "--resume {number}: {folder} does not exist",
                    number=self.resume,
                    folder=config_dir / f"checkpoint{self.resume}",
                )
            )
        guard_run_writes(run, run_root(config_dir, self.lint.project.root), "train")  # no link: checkpointN, train/
        refuse_changed_config(
            run,
            self.lint.config,
            self.force,
            N_(
                "the config changed since {folder} was trained; resuming would mix two experiments "
                "(--force to resume anyway, or train a new run without --resume):\n{changes}"
            ),
        )
        return run
