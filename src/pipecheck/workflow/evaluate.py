"""`pipecheck eval PATH`: one evaluation pass of a checkpointN over the eval records, COCO metrics shown."""

from __future__ import annotations

import sys

from pipecheck.i18n import _
from pipecheck.workflow.launch import WorkflowError, explain_failure, lint_for, prepare, print_dry_run, relative, \
    run_launch
from pipecheck.workflow.progress import RunProgress, duration
from pipecheck.workflow.runs import config_changed, trained_run


def evaluate(args) -> int:
    result, stop = lint_for(args, gate=False)
    if stop is not None:
        return stop
    project, config = result.project, result.config
    run = trained_run(project.config_dir, args.checkpoint)
    changes = config_changed(run, config)
    if changes and not args.force:
        raise WorkflowError(_("the config changed since {folder} was trained: the evaluation would build a different "
                              "model than the one trained (--force to evaluate anyway):\n{changes}",
                              folder=run.folder.name, changes=changes))
    options = {"pipeline": relative(project.config_path, project.root),
               "checkpoint_dir": relative(run.folder, project.root), "model_dir": relative(run.folder, project.root)}
    launch = prepare("eval", options, project.root, args.python, args.dry_run)
    if args.dry_run:
        print_dry_run(launch, ["python", "model_main_tf2.py", f"--model_dir={options['model_dir']}",
                               f"--pipeline_config_path={options['pipeline']}",
                               f"--checkpoint_dir={options['checkpoint_dir']}", "--eval_timeout=1"])
        return 0
    log = run.folder / "eval.log"
    print(_("evaluating {checkpoint} on the eval records (log: {log})", checkpoint=relative(run.folder, project.root),
            log=relative(log, project.root)), file=sys.stderr)
    progress = RunProgress(_("eval"), total=_eval_images(result),
                           waiting_hint=_("the first image comes after about a minute on a CPU"))
    finished = run_launch(launch, log, progress)
    metrics = (finished.result or {}).get("metrics")
    if finished.returncode != 0 or not metrics:
        explain_failure(finished, log, "eval")
        return finished.returncode or 1
    from pipecheck.report.table import text_table

    rows = [[name, f"{value:.4f}"] for name, value in metrics.items()]
    print(_("{checkpoint}, evaluated in {time}:", checkpoint=relative(run.folder, project.root),
            time=duration(finished.seconds)))
    print(text_table([_("Metric"), _("Value")], rows))
    print(_("(-1 means no box of that size in the eval records; TensorBoard: {folder})",
            folder=relative(run.folder / "eval", project.root)))
    return 0


def _eval_images(result) -> int | None:
    records = result.fixture("records")
    if records is None:
        return None
    readers = [reader for path, reader in records.readers.items() if path.startswith("eval_input_reader[0]")]
    return sum(facts.records for reader in readers for facts in reader.files) or None
