"""What train, export and eval share: the lint, the stack check, the subprocess and its report."""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.i18n import _


class WorkflowError(InputError):
    """The command cannot start as asked; the message says why and what to do (exit 2)."""


@dataclass
class Launch:
    task: str
    options: dict
    root: Path
    python: str
    environment: dict[str, str]  # the variables added to the user's environment
    problems: list = field(default_factory=list)  # what stops it on this installation (shown by --dry-run)
    descriptors: tuple[int, ...] = ()  # open folders the subprocess inherits (runs.anchored)

    @property
    def command(self) -> list[str]:
        return [self.python, "-m", "pipecheck.wrappers.launcher", self.task, json.dumps(self.options)]

    def full_environment(self) -> dict[str, str]:
        return {**os.environ, **self.environment}


def prepare(task: str, options: dict, root: Path, python: str | None, dry_run: bool = False) -> Launch:
    """The launcher's command and environment, after checking that the stack can run `task`."""
    from pipecheck.wrappers.stack import blocking, inspect_stack, launcher_environment

    environment, problems = {}, []
    if python is None:
        stack = inspect_stack()
        problems = blocking(stack, task)
        if problems and not dry_run:
            lines = [_("pipecheck {task} cannot start on this installation:", task=task)]
            lines += [_("  - {problem}\n    fix: {fix}", problem=p.problem, fix=p.fix) for p in problems]
            raise WorkflowError("\n".join(lines))
        environment.update(launcher_environment(stack))
    else:  # another interpreter: give it this pipecheck, its own stack is its business
        package_parent = str(Path(__file__).resolve().parents[2])
        environment["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
        environment["PYTHONUNBUFFERED"] = "1"
    return Launch(task, options, root, python or sys.executable, environment, problems)


def plan_lines(launch: Launch, stock: list[str] | None = None) -> list[str]:
    """What --dry-run prints for `launch`: what stops it here, its directory, environment and command, and `stock`,
    the same with the OD API's own script."""
    lines = [
        _("# cannot run on this installation yet: {problem} (fix: {fix})", problem=problem.problem, fix=problem.fix)
        for problem in launch.problems
    ]
    lines.append(f"cd {shlex.quote(str(launch.root))}")
    lines += [f"export {name}={shlex.quote(value)}" for name, value in launch.environment.items()]
    lines.append(shlex.join(launch.command))
    if stock:
        lines.append(
            _("# the same with the OD API's own script (without pipecheck's progress and compatibility fixes):")
        )
        lines.append("# " + shlex.join(stock))
        lines += _stock_failures(launch, stock[1])
    return lines


def _stock_failures(launch: Launch, script: str) -> list[str]:
    if launch.python != sys.executable:
        return []  # another interpreter's stack is not the one inspected here
    from pipecheck.wrappers.stack import inspect_stack, stock_script_failures

    failures = stock_script_failures(inspect_stack(), launch.task)
    if not failures:
        return []
    same = ["pipecheck"] + [argument for argument in sys.argv[1:] if argument != "--dry-run"]
    return [
        _("# {script} cannot run on this installation; pipecheck works around each of these:", script=script),
        *(f"#   - {failure}" for failure in failures),
        _("# the equivalent that runs here: {command}", command=shlex.join(same)),
    ]


def run_launch(launch: Launch, log_path: Path, progress, events_folder: Path | None = None, watch=None):
    """Run the launcher under supervision, feeding the progress display; return supervise.Finished.

    `watch` (a watchdog.Watchdog) sees the same scalars and lines; the run stops when it says so.
    """
    from pipecheck.wrappers.supervise import supervise

    follower = None
    if events_folder is not None:
        from pipecheck.artifacts.events import EventsFollower

        follower = EventsFollower(events_folder)

    def tick():
        scalars = follower.poll() if follower is not None else []
        progress.feed_scalars(scalars)
        alarms = watch.feed(scalars) if watch is not None else []
        for alarm in alarms:
            if not alarm.stop:  # a stop is explained once the child has ended
                progress.say(_("watchdog: {alarm}", alarm=alarm.message))
        progress.draw()
        return any(alarm.stop for alarm in alarms)

    def line(text):
        progress.feed_line(text)
        if watch is not None:
            watch.feed_line(text)

    try:
        return supervise(
            launch.command,
            launch.full_environment(),
            launch.root,
            log_path,
            on_line=line,
            on_tick=tick,
            pass_fds=launch.descriptors,
        )
    finally:
        progress.close()


def explain_failure(finished, log_path: Path, task: str) -> None:
    """The error that ended the subprocess, in one or two lines, and where the whole log is."""
    error = error_line(finished.tail)
    print(
        _(
            "pipecheck {task}: the {task} failed (exit code {code}) after {seconds:.0f} s",
            task=task,
            code=finished.returncode,
            seconds=finished.seconds,
        ),
        file=sys.stderr,
    )
    if error:
        print("  " + error, file=sys.stderr)
    print(_("  full log: {path}", path=log_path), file=sys.stderr)


def error_line(lines: list[str]) -> str | None:
    """The last `SomeError: message` line of a Python traceback in a log, if any."""
    for line in reversed(lines):
        head = line.strip().split(":", 1)[0]
        if head.endswith(("Error", "Exception", "Interrupt")) and " " not in head:
            return line.strip()
    return None
