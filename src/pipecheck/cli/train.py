"""`pipecheck train PATH`: lint, then the OD API's training in checkpointN with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

from pipecheck.cli.common import lint_for
from pipecheck.cli.distribute import (
    cluster_tasks,
    distribution_from_args,
    launcher_strategy,
    print_workers_dry_run,
    run_local_workers,
    stock_flags,
    strategy_environment,
    worker_launches,
)
from pipecheck.i18n import N_, _
from pipecheck.project import PRETRAINED_FOLDERS
from pipecheck.wrappers.launch import WorkflowError, explain_failure, prepare, print_dry_run, run_launch
from pipecheck.wrappers.progress import RunProgress, duration
from pipecheck.wrappers.runs import (
    Run,
    claim_next_run,
    next_run,
    refuse_changed_config,
    runs_beside,
    update_record,
    write_record,
)
from pipecheck.wrappers.watchdog import Watchdog, schedule_of


def train(args) -> int:
    result, stop = lint_for(args, gate=True)
    if stop is not None:
        return stop
    project, config = result.project, result.config
    if set(PRETRAINED_FOLDERS) & set(Path(project.display(project.config_path)).parts):
        raise WorkflowError(
            _(
                "{config} is the zoo's own copy: training would write into the pre-trained folder "
                "(catalogue C-11); train a copy (pipecheck init)",
                config=project.display(project.config_path),
            )
        )
    run = _run_folder(args, project.config_dir, config)
    steps = args.num_steps or config.train.num_steps
    reached = (run.record() or {}).get("last_step")
    if args.resume is not None and reached is not None and reached >= steps:
        print(
            _(
                "{folder} already reached step {step} of {steps}: the OD API would train nothing; raise num_steps "
                "(or --num-steps) to train further",
                folder=project.display(run.folder),
                step=reached,
                steps=steps,
            )
        )
        return 0
    options = {
        "pipeline": project.display(project.config_path),
        "model_dir": project.display(run.folder),
        "num_steps": args.num_steps,
        "checkpoint_every": args.checkpoint_every,
    }
    distribution = distribution_from_args(args)
    if distribution is not None:
        options["strategy"] = launcher_strategy(distribution)
    launch = prepare("train", options, project.root, args.python, args.dry_run)
    launch.environment.update(strategy_environment(distribution))
    stock = (
        [
            "python",
            "model_main_tf2.py",
            f"--model_dir={options['model_dir']}",
            f"--pipeline_config_path={options['pipeline']}",
            f"--checkpoint_every_n={args.checkpoint_every}",
        ]
        + ([f"--num_train_steps={args.num_steps}"] if args.num_steps else [])
        + stock_flags(distribution)
        + ["--alsologtostderr"]
    )
    workers = distribution is not None and distribution.strategy == "multi_worker"
    if args.dry_run and workers:
        print_workers_dry_run(*worker_launches(launch, distribution, True, run.folder), stock=stock)
        return 0
    if args.dry_run:
        print_dry_run(launch, stock)
        return 0
    if workers and not distribution.local:
        cluster_tasks(distribution, dry_run=False)  # refuses a missing or inconsistent TF_CONFIG before starting
    if args.resume is None:  # claimed only now that nothing refuses, so a refusal leaves no empty checkpointN
        planned, run = run, claim_next_run(project.config_dir)
        if run.folder != planned.folder:  # another train took the planned number meanwhile
            options["model_dir"] = project.display(run.folder)
            launch = prepare("train", options, project.root, args.python)
            launch.environment.update(strategy_environment(distribution))
    write_record(run, config, launch.command, steps)
    message = (
        _(
            "resuming {folder} from step {step} (log: {log})",
            step=reached or 0,
            folder=options["model_dir"],
            log=project.display(run.folder / "train.log"),
        )
        if args.resume is not None
        else _(
            "training {config} in {folder} (log: {log})",
            config=options["pipeline"],
            folder=options["model_dir"],
            log=project.display(run.folder / "train.log"),
        )
    )
    print(message, file=sys.stderr)
    progress = RunProgress(
        _("train"),
        total=steps,
        first_step=reached or 0,
        waiting_hint=_("the first step comes after about a minute on a CPU"),
    )
    watch = None if getattr(args, "no_watchdog", False) else Watchdog(schedule_of(config, steps))
    if workers and distribution.local:
        finished = run_local_workers(launch, distribution, run, progress)
    else:
        finished = run_launch(launch, run.folder / "train.log", progress, events_folder=run.events_folder, watch=watch)
    outcome = finished.result or {}
    if outcome.get("step") is not None:
        update_record(run, last_step=outcome["step"])
    if watch is not None and watch.stopping is not None:
        return _stopped_by_watchdog(watch, run, project, args)
    if finished.returncode != 0 and not finished.interrupted:
        explain_failure(finished, run.folder / "train.log", "train")
        return finished.returncode
    saved = project.display(Path(project.root, outcome["checkpoint"])) if outcome.get("checkpoint") else None
    speed = _("{seconds:.2f} s/step", seconds=progress.seconds_per_step) if progress.seconds_per_step else ""
    loss = _("last loss {loss:.4g}", loss=progress.loss) if progress.loss is not None else ""
    details = ", ".join(part for part in (speed, loss) if part)
    if finished.interrupted:
        print(
            _(
                "stopped at step {step} after {time}; saved: {saved}",
                step=outcome.get("step", "?"),
                time=duration(finished.seconds),
                saved=saved or _("nothing"),
            )
        )
        print(_("continue with: pipecheck train {path} --resume {number}", path=args.path, number=run.number))
        return 130
    print(
        _(
            "trained to step {step} in {time} ({details}); last checkpoint: {saved}",
            step=outcome.get("step", "?"),
            time=duration(finished.seconds),
            details=details,
            saved=saved or _("none"),
        )
    )
    print(_("next: pipecheck export {path}   or   pipecheck eval {path}", path=args.path))
    return 0


def _stopped_by_watchdog(watch: Watchdog, run: Run, project, args) -> int:
    """The run was terminated without saving: say why, and which checkpoint is still good."""
    alarm = watch.stopping
    print(_("pipecheck train: stopped at step {step}: {alarm}", step=alarm.step, alarm=alarm.message), file=sys.stderr)
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


def _run_folder(args, config_dir: Path, config) -> Run:
    if args.resume is None:
        return next_run(config_dir)
    run = runs_beside(config_dir).get(args.resume)
    if run is None:
        raise WorkflowError(
            _(
                "--resume {number}: {folder} does not exist",
                number=args.resume,
                folder=config_dir / f"checkpoint{args.resume}",
            )
        )
    refuse_changed_config(
        run,
        config,
        args.force,
        N_(
            "the config changed since {folder} was trained; resuming would mix two experiments "
            "(--force to resume anyway, or train a new run without --resume):\n{changes}"
        ),
    )
    return run
