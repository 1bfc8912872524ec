"""`pipecheck export PATH`: checkpointN becomes saved_modelN, loaded back and run on one image (ExportJob)."""

from __future__ import annotations

from pipecheck.cli.common import add_workflow_options, lint_for, plan_or_run
from pipecheck.i18n import _


def register(commands) -> None:
    export = commands.add_parser("export", help=_("export checkpointN to saved_modelN and try it on one image"))
    add_workflow_options(export)
    export.add_argument("--checkpoint", type=int, metavar="N", help=_("export checkpointN (default: the latest)"))
    export.add_argument("--tflite", action="store_true", help=_("also write tfliteN/model.tflite (SSD networks)"))


def run(args) -> int:
    from pipecheck.wrappers.export_job import ExportJob

    result, stop = lint_for(args, gate=False)
    if stop is not None:
        return stop
    job = ExportJob(result, checkpoint=args.checkpoint, tflite=args.tflite, python=args.python, force=args.force)
    return plan_or_run(job, args.dry_run)
