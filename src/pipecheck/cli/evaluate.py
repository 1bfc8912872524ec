"""`pipecheck eval PATH`: one evaluation pass of a checkpointN over the eval records, COCO metrics shown."""

from __future__ import annotations

import sys

from pipecheck.cli.common import lint_for
from pipecheck.i18n import N_, _
from pipecheck.wrappers.launch import explain_failure, prepare, print_dry_run, run_launch
from pipecheck.wrappers.progress import RunProgress, duration
from pipecheck.wrappers.runs import refuse_changed_config, trained_run


def evaluate(args) -> int:
    result, stop = lint_for(args, gate=False)
    if stop is not None:
        return stop
    project, config = result.project, result.config
    run = trained_run(project.config_dir, args.checkpoint)
    refuse_changed_config(
        run,
        config,
        args.force,
        N_(
            "the config changed since {folder} was trained: the evaluation would build a different model than the one "
            "trained (--force to evaluate anyway):\n{changes}"
        ),
    )
    options = {
        "pipeline": project.display(project.config_path),
        "checkpoint_dir": project.display(run.folder),
        "model_dir": project.display(run.folder),
    }
    launch = prepare("eval", options, project.root, args.python, args.dry_run)
    if args.dry_run:
        print_dry_run(
            launch,
            [
                "python",
                "model_main_tf2.py",
                f"--model_dir={options['model_dir']}",
                f"--pipeline_config_path={options['pipeline']}",
                f"--checkpoint_dir={options['checkpoint_dir']}",
                "--eval_timeout=1",
            ],
        )
        return 0
    log = run.folder / "eval.log"
    print(
        _(
            "evaluating {checkpoint} on the eval records (log: {log})",
            checkpoint=project.display(run.folder),
            log=project.display(log),
        ),
        file=sys.stderr,
    )
    progress = RunProgress(
        _("eval"), total=_eval_images(result), waiting_hint=_("the first image comes after about a minute on a CPU")
    )
    finished = run_launch(launch, log, progress)
    metrics = (finished.result or {}).get("metrics")
    if finished.returncode != 0 or not metrics:
        explain_failure(finished, log, "eval")
        return finished.returncode or 1
    from pipecheck.report.table import text_table

    rows = [[name, f"{value:.4f}"] for name, value in metrics.items()]
    print(
        _("{checkpoint}, evaluated in {time}:", checkpoint=project.display(run.folder), time=duration(finished.seconds))
    )
    print(text_table([_("Metric"), _("Value")], rows))
    print(
        _(
            "(-1 means no box of that size in the eval records; TensorBoard: {folder})",
            folder=project.display(run.folder / "eval"),
        )
    )
    return 0


def _eval_images(result) -> int | None:
    records = result.fixture("records")
    if records is None:
        return None
    readers = [reader for path, reader in records.readers.items() if path.startswith("eval_input_reader[0]")]
    return sum(facts.records for reader in readers for facts in reader.files) or None
