"""`pipecheck eval PATH`: one evaluation pass of a checkpointN over the eval records, COCO metrics shown (EvalJob)."""

from __future__ import annotations

from pipecheck.cli.common import add_workflow_options, lint_for, plan_or_run
from pipecheck.i18n import _


def register(commands) -> None:
    evaluate = commands.add_parser("eval", help=_("evaluate checkpointN on the eval records (COCO metrics)"))
    add_workflow_options(evaluate)
    evaluate.add_argument("--checkpoint", type=int, metavar="N", help=_("evaluate checkpointN (default: the latest)"))


def run(args) -> int:
    from pipecheck.wrappers.eval_job import EvalJob

    result, stop = lint_for(args, gate=False)
    if stop is not None:
        return stop
    job = EvalJob(result, checkpoint=args.checkpoint, python=args.python, force=args.force)
    return plan_or_run(job, args.dry_run)
