"""`pipecheck train PATH`: lint, then the OD API's training in checkpointN with a progress bar (TrainJob)."""

from __future__ import annotations

from pipecheck.cli.arguments import positive
from pipecheck.cli.common import add_workflow_options, lint_for, plan_or_run
from pipecheck.cli.distribute import add_strategy_options, distribution_from_args
from pipecheck.i18n import _


def register(commands) -> None:
    train = commands.add_parser(
        "train", help=_("lint, then train with the OD API in the next checkpointN, with a progress bar")
    )
    add_workflow_options(train)
    train.add_argument("--resume", type=int, metavar="N", help=_("continue the run in checkpointN"))
    train.add_argument("--num-steps", type=positive, metavar="N", help=_("stop at step N (default: num_steps)"))
    train.add_argument(
        "--checkpoint-every",
        type=positive,
        default=1000,
        metavar="N",
        help=_("save a checkpoint every N steps (default 1000; the last step is always saved)"),
    )
    add_strategy_options(train)
    train.add_argument(
        "--no-watchdog",
        action="store_true",
        help=_("do not stop the run on a NaN or diverging loss, nor warn about the loss and rate"),
    )


def run(args) -> int:
    from pipecheck.wrappers.train_job import TrainJob

    result, stop = lint_for(args, gate=True)
    if stop is not None:
        return stop
    job = TrainJob(
        result,
        str(args.path),
        python=args.python,
        num_steps=args.num_steps,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        force=args.force,
        distribution=distribution_from_args(args),
        watchdog=not args.no_watchdog,
    )
    if (done := job.nothing_to_do()) is not None:
        print(done)
        return 0
    return plan_or_run(job, args.dry_run)
