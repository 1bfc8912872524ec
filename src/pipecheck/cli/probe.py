"""`pipecheck probe PATH`: a few real training steps at two batch sizes, and the largest batch that fits (ProbeJob)."""

from __future__ import annotations

import argparse

from pipecheck.cli.arguments import positive
from pipecheck.cli.common import add_workflow_options, lint_for, plan_or_run
from pipecheck.i18n import _


def register(commands) -> None:
    probe = commands.add_parser(
        "probe",
        help=_("train a few steps at two batch sizes and give the largest batch that fits in this machine's RAM"),
    )
    add_workflow_options(probe)
    probe.add_argument(
        "--batches", type=batch_list, default=[1, 2], metavar="A,B", help=_("the batch sizes to measure (default 1,2)")
    )
    probe.add_argument(
        "--steps", type=positive, default=6, metavar="N", help=_("steps trained at each batch size (default 6)")
    )


def run(args) -> int:
    from pipecheck.wrappers.probe_job import ProbeJob

    result, stop = lint_for(args, gate=True)
    if stop is not None:
        return stop
    job = ProbeJob(result, batches=args.batches, steps=args.steps, python=args.python, ram=args.ram)
    return plan_or_run(job, args.dry_run)


def batch_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(_("write batch sizes separated by commas, e.g. 1,2"))
    return values
