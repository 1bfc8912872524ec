"""ExportJob: checkpointN becomes saved_modelN (and tfliteN), loaded back, run on one image and judged by the gate.

The export goes to a hidden folder first and is renamed into place when it succeeded, so a
failed export leaves no saved_modelN behind; an existing saved_modelN is never replaced.
"""

from __future__ import annotations

import shlex
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import N_, _
from pipecheck.wrappers.launch import Launch, WorkflowError, explain_failure, plan_lines, prepare, run_launch
from pipecheck.wrappers.progress import RunProgress, duration
from pipecheck.wrappers.runs import Run, anchored, refuse_changed_config, run_root, trained_run


def tflite_refusal(config) -> str | None:
    """Why `pipecheck export --tflite` cannot make and try a TFLite model of this network, or None when it can.

    The OD API 2.8's export_tflite_graph_lib_tf2.export_tflite_model builds a TFLite graph for SSD and for
    CenterNet (each with a fixed_shape_resizer) and raises for any other architecture (:341-356). The
    launcher runs the converted model as the SSD graph it is: the input scaled as the SSD's graph expects
    it (its graph starts after the preprocessing; CenterNet's graph preprocesses inside), the four SSD
    outputs, the SSD's max detections. So pipecheck exports SSD networks only, and says so for a CenterNet.
    """
    if config.arch == "center_net":
        return _(
            "pipecheck's TFLite export handles SSD networks only: the OD API's export_tflite_graph_tf2.py can "
            "export this CenterNet (with a fixed_shape_resizer), but pipecheck tries the converted model as an "
            "SSD graph (its input scaling and outputs), which a CenterNet's is not; run export_tflite_graph_tf2.py "
            "yourself for a CenterNet"
        )
    if config.arch != "ssd":
        return _(
            "the OD API's TFLite export (export_tflite_graph_tf2.py) supports SSD and CenterNet networks only, "
            "not {arch}, and pipecheck's handles SSD networks; for a Raspberry Pi the course recommends SSD "
            "MobileNet V2 FPNLite 320",
            arch=config.arch,
        )
    resizer = config.model.image_resizer.WhichOneof("image_resizer_oneof")
    if resizer != "fixed_shape_resizer":
        return _(
            "TFLite needs a fixed input size: the SSD's image_resizer must be fixed_shape_resizer, not {resizer}",
            resizer=resizer,
        )
    return None


TFLITE_DEFAULT_DETECTIONS = 10  # export_tflite_graph_tf2.py's --max_detections default (flags.DEFINE_integer, :117)


def tflite_max_detections(config, records) -> tuple[int, int]:
    """(max_detections to give the TFLite export, the most objects in one image of the records).

    The TFLite graph ends in its own post-processing op, which returns at most max_detections
    boxes whatever the config's max_total_detections says (export_tflite_graph_lib_tf2.py:113);
    the stock script's default is 10, the cap users of tensorflow/tensorflow#48343 and
    google-coral/tflite#44 met. pipecheck gives the config's max_total_detections, raised to
    the most objects one image of the records holds so that no image's objects are cut.
    """
    configured = config.model.post_processing.batch_non_max_suppression.max_total_detections
    most = 0
    for reader in records.readers.values() if records is not None else ():
        for facts in reader.files:
            most = max([most, *facts.objects])
    return max(configured or TFLITE_DEFAULT_DETECTIONS, most), most


def first_record(project, config) -> Path | None:
    """An image to try the exported model on: the first eval record file, else the first training one."""
    for _path, reader in config.input_readers()[1:] + config.input_readers()[:1]:
        for pattern in reader.tf_record_input_reader.input_path:
            files = project.matches(pattern, pattern=True)
            if files:
                return files[0]
    return None


@dataclass
class ExportJob:
    """What `pipecheck export` runs. `lint` is the engine's RunResult for the config (its project and config)."""

    lint: object
    checkpoint: int | None = None  # export checkpointN (default: the latest trained run)
    tflite: bool = False  # also tfliteN/model.tflite (SSD networks)
    python: str | None = None
    force: bool = False  # export although the config changed since the training
    source: Run = field(init=False)
    max_detections: int | None = field(init=False, default=None)  # the TFLite graph's cap on boxes
    outputs: list[Path] = field(init=False)  # saved_modelN, then tfliteN

    def __post_init__(self):
        project, config = self.lint.project, self.lint.config
        if self.tflite and (reason := tflite_refusal(config)):
            raise WorkflowError(_("--tflite refused: {reason}", reason=reason))
        if self.tflite:
            self.max_detections, most = tflite_max_detections(config, self.lint.fixture("records"))
            if most > TFLITE_DEFAULT_DETECTIONS:
                print(
                    _(
                        "note: an image of the records holds {most} objects; the TFLite model keeps {kept} "
                        "detections (export_tflite_graph_tf2.py alone would keep {default}: pass it "
                        "--max_detections={kept})",
                        most=most,
                        kept=self.max_detections,
                        default=TFLITE_DEFAULT_DETECTIONS,
                    ),
                    file=sys.stderr,
                )
        self.source = trained_run(project.config_dir, self.checkpoint)
        refuse_changed_config(
            self.source,
            config,
            self.force,
            N_(
                "the config changed since {folder} was trained: the export would build a different model than the "
                "one trained (--force to export anyway):\n{changes}"
            ),
        )
        if self.source.record() is None:
            print(
                _(
                    "note: {folder} was not trained by pipecheck; whether the config changed since cannot be told",
                    folder=self.source.folder.name,
                ),
                file=sys.stderr,
            )
        self.outputs = [project.config_dir / f"saved_model{self.source.number}"]
        if self.tflite:
            self.outputs.append(project.config_dir / f"tflite{self.source.number}")
        self._refuse_taken()

    def _refuse_taken(self) -> None:
        """Stop when an output exists already (a link there, even to nothing, is refused as a link)."""
        from pipecheck.atomic import link_refused

        for output in self.outputs:
            if output.is_symlink():
                raise link_refused(output)
            if output.exists():
                raise WorkflowError(
                    _(
                        "{folder} exists; pipecheck never replaces an export (move it away, or export "
                        "another run with --checkpoint N)",
                        folder=self.lint.project.display(output),
                    )
                )

    @property
    def staging(self) -> list[Path]:
        return [output.with_name(f".{output.name}.partial") for output in self.outputs]

    @property
    def record(self) -> Path | None:
        return first_record(self.lint.project, self.lint.config)

    def plan(self) -> str:
        """What --dry-run prints: the launcher's directory, environment and command, and the stock script's."""
        project = self.lint.project
        stock = [
            "python",
            "exporter_main_v2.py",
            "--input_type",
            "image_tensor",
            f"--pipeline_config_path={project.display(project.config_path)}",
            f"--trained_checkpoint_dir={project.display(self.source.folder)}",
            f"--output_directory={project.display(self.outputs[0])}",
        ]
        lines = plan_lines(self._launch(dry_run=True), stock)
        if self.tflite:
            tflite = [
                "python",
                "export_tflite_graph_tf2.py",
                f"--pipeline_config_path={project.display(project.config_path)}",
                f"--trained_checkpoint_dir={project.display(self.source.folder)}",
                f"--output_directory={project.display(self.outputs[1])}",
                f"--max_detections={self.max_detections}",
            ]
            lines.append("# " + shlex.join(tflite))
        return "\n".join(lines)

    def run(self, progress: RunProgress | None = None) -> int:
        """Export, try the model on one image and apply the export gate: 0, or 1 when the gate fails.

        The staging folders are the guarded writer's claimed folders: made through no link inside the
        project, held by this export alone (a second export of the checkpoint refuses), emptied of what
        an export that did not finish left, removed unless renamed into place. The exporter writes into
        them through the descriptors pipecheck opened them with, and they are placed only if their names
        still lead to them (a link put there meanwhile would otherwise be placed as saved_modelN).
        """
        from pipecheck.folders import claimed_folder, held_open, place_folder, refuse_moved

        launch = self._launch()
        root = run_root(self.lint.project.config_dir, self.lint.project.root)
        with ExitStack() as claims:
            for folder, option in zip(self.staging, ("output_dir", "tflite_dir")):
                claims.enter_context(claimed_folder(folder, root))
                launch = anchored(launch, claims.enter_context(held_open(folder, root, check=False)), option)
            self._refuse_taken()  # another export may have finished since this one began
            finished = self._export(launch, progress)
            if finished.returncode != 0 or finished.result is None:
                return finished.returncode or 1
            self._refuse_taken()
            for folder, output, descriptor in zip(self.staging, self.outputs, launch.descriptors):
                refuse_moved(descriptor, folder)  # else a link put at its name would be placed as the export
                place_folder(folder, output)
        label_map = self.lint.fixture("label_map")
        self._report(finished, label_map)
        return _gate(finished.result, label_map, self.lint.config)

    def _export(self, launch: Launch, progress: RunProgress | None):
        """Run the exporter into the staging folders; a failure is explained here."""
        project = self.lint.project
        log = self.source.folder / "export.log"
        print(
            _(
                "exporting {checkpoint} to {folder} (log: {log})",
                checkpoint=project.display(self.source.folder),
                folder=project.display(self.outputs[0]),
                log=project.display(log),
            ),
            file=sys.stderr,
        )
        progress = progress or RunProgress(_("export"), waiting_hint=_("an export takes about a minute on a CPU"))
        finished = run_launch(launch, log, progress)
        if finished.returncode != 0 or finished.result is None:
            explain_failure(finished, log, "export")
        return finished

    def _launch(self, dry_run: bool = False) -> Launch:
        project, record, staging = self.lint.project, self.record, self.staging
        options = {
            "pipeline": project.display(project.config_path),
            "checkpoint_dir": project.display(self.source.folder),
            "output_dir": project.display(staging[0]),
            "image_record": project.display(record) if record else None,
            "tflite_dir": project.display(staging[1]) if self.tflite else None,
            "max_detections": self.max_detections,
        }
        return prepare("export", options, project.root, self.python, dry_run)

    def _report(self, finished, label_map) -> None:
        project, outcome, record = self.lint.project, finished.result, self.record
        names = {item.id: item.name for item in label_map.items} if label_map is not None else {}
        print(
            _(
                "exported {folder} in {time} (SavedModel loaded back in {load:.1f} s)",
                folder=project.display(self.outputs[0]),
                time=duration(finished.seconds),
                load=outcome["load_seconds"],
            )
        )
        _print_detections(outcome.get("detections"), names, record, project)
        if "tflite" in outcome:
            tflite = outcome["tflite"]
            print(
                _(
                    "TFLite model {path} ({size:.1f} MB), run once by the TFLite interpreter:",
                    path=project.display(self.outputs[1] / "model.tflite"),
                    size=tflite["bytes"] / 1e6,
                )
            )
            _print_detections(tflite.get("detections"), names, record, project)


def _gate(outcome: dict, label_map, config) -> int:
    """The export gate's verdict: 1 when the exported model's outputs do not fit the label map."""
    from pipecheck.wrappers.export_gate import NMS_IOU, check_export

    label_ids = [item.id for item in label_map.items] if label_map is not None else []
    # SSD is the only family with a TFLite graph, and that graph's NMS takes the config's threshold too
    ssd = config.arch == "ssd"
    nms_iou = config.model.post_processing.batch_non_max_suppression.iou_threshold if ssd else NMS_IOU
    verdict = check_export(outcome, label_ids, getattr(config.model, "num_classes", None), nms_iou)
    for line in verdict.passed:
        print(_("  ok: {check}", check=line))
    for line in verdict.failed:
        print(_("  FAILED: {check}", check=line))
    if verdict.failed:
        print(
            _(
                "pipecheck export: the export is written but fails the gate: its detections would be misnamed or "
                "wrong on the device"
            ),
            file=sys.stderr,
        )
        return 1
    return 0


def _print_detections(detections, names: dict, record, project) -> None:
    if detections is None:
        print(_("  no record to try it on"))
        return
    print(_("  on the first image of {record}:", record=project.display(record)))
    for found in detections[:3]:
        name = names.get(found["class"], _("class {id}", id=found["class"]))
        box = ", ".join(f"{v:.2f}" for v in found["box"])
        print(f"    {name:<12} {found['score']:.2f}  [{box}]")
