"""EvalJob: one evaluation pass of a checkpointN over the eval records, its COCO metrics shown."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from pipecheck.i18n import N_, _
from pipecheck.wrappers.launch import Launch, explain_failure, plan_lines, prepare, run_launch
from pipecheck.wrappers.progress import RunProgress, duration
from pipecheck.wrappers.runs import Run, anchored, held_run, refuse_changed_config, run_root, trained_run


@dataclass
class EvalJob:
    """What `pipecheck eval` runs. `lint` is the engine's RunResult for the config (its project and config)."""

    lint: object
    checkpoint: int | None = None  # evaluate checkpointN (default: the latest trained run)
    python: str | None = None
    force: bool = False  # evaluate although the config changed since the training
    source: Run = field(init=False)

    def __post_init__(self):
        self.source = trained_run(self.lint.project.config_dir, self.checkpoint)
        refuse_changed_config(
            self.source,
            self.lint.config,
            self.force,
            N_(
                "the config changed since {folder} was trained: the evaluation would build a different model than the "
                "one trained (--force to evaluate anyway):\n{changes}"
            ),
        )

    def plan(self) -> str:
        """What --dry-run prints: the launcher's directory, environment and command, and the stock script's."""
        project = self.lint.project
        stock = [
            "python",
            "model_main_tf2.py",
            f"--model_dir={project.display(self.source.folder)}",
            f"--pipeline_config_path={project.display(project.config_path)}",
            f"--checkpoint_dir={project.display(self.source.folder)}",
            "--eval_timeout=1",
        ]
        return "\n".join(plan_lines(self._launch(dry_run=True), stock))

    def run(self, progress: RunProgress | None = None) -> int:
        """Evaluate and print the metrics; the exit code. The OD API writes its events into the run's eval/
        through the descriptor pipecheck opened the run folder with (runs.held_run)."""
        project = self.lint.project
        with held_run(self.source, run_root(project.config_dir, project.root), "eval") as descriptor:
            return self._evaluate(anchored(self._launch(), descriptor), progress)

    def _evaluate(self, launch: Launch, progress: RunProgress | None) -> int:
        project, folder = self.lint.project, self.source.folder
        log = folder / "eval.log"
        print(
            _(
                "evaluating {checkpoint} on the eval records (log: {log})",
                checkpoint=project.display(folder),
                log=project.display(log),
            ),
            file=sys.stderr,
        )
        progress = progress or RunProgress(
            _("eval"), total=self._images(), waiting_hint=_("the first image comes after about a minute on a CPU")
        )
        finished = run_launch(launch, log, progress)
        metrics = (finished.result or {}).get("metrics")
        if finished.returncode != 0 or not metrics:
            explain_failure(finished, log, "eval")
            return finished.returncode or 1
        from pipecheck.report.table import text_table

        rows = [[name, f"{value:.4f}"] for name, value in metrics.items()]
        print(
            _("{checkpoint}, evaluated in {time}:", checkpoint=project.display(folder), time=duration(finished.seconds))
        )
        print(text_table([_("Metric"), _("Value")], rows))
        print(
            _(
                "(-1 means no box of that size in the eval records; TensorBoard: {folder})",
                folder=project.display(folder / "eval"),
            )
        )
        return 0

    def _launch(self, dry_run: bool = False) -> Launch:
        project, folder = self.lint.project, self.source.folder
        options = {
            "pipeline": project.display(project.config_path),
            "checkpoint_dir": project.display(folder),
            "model_dir": project.display(folder),
        }
        return prepare("eval", options, project.root, self.python, dry_run)

    def _images(self) -> int | None:
        records = self.lint.fixture("records")
        if records is None:
            return None
        readers = [reader for path, reader in records.readers.items() if path.startswith("eval_input_reader[0]")]
        return sum(facts.records for reader in readers for facts in reader.files) or None
