"""`pipecheck doctor`: the schema the lint uses, the training stack, what is incompatible and the fix."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.version import __version__


def register(commands) -> None:
    doctor = commands.add_parser("doctor", help=_("say which OD API schema and environment pipecheck sees"))
    doctor.add_argument("--root", type=Path, default=None, help=_("launch root (default: current folder)"))
    doctor.add_argument("--models-dir", type=Path, default=None, help=_("a tensorflow/models checkout"))
    doctor.add_argument(
        "--plan", action="store_true", help=_("print the commands that install the training stack for this Python")
    )


PACKAGES = (
    "tensorflow",
    "keras",
    "tf-keras",
    "tensorboard",
    "tensorflow-estimator",
    "tensorflow-io",
    "protobuf",
    "tf-slim",
    "tf-models-official",
    "object-detection",
    "pycocotools",
    "numpy",
    "pillow",
)


def run(args) -> int:
    from pipecheck.schema import SchemaNotFound, load_schema
    from pipecheck.wrappers.stack import inspect_stack

    if getattr(args, "plan", False):
        return print_plan()
    print(f"pipecheck   {__version__}")
    print(f"python      {platform.python_version()} ({sys.executable})")
    _print_machine()
    stack = inspect_stack()
    where = (
        _("OD API      {path} (protos: {generation})", path=stack.od_api, generation=stack.protos or _("unknown"))
        if stack.od_api
        else _("OD API      not installed")
    )
    print(where)
    code = 0
    try:
        schema = load_schema(Path(args.root or Path.cwd()), args.models_dir)
        print(f"schema      {schema.describe()}")
    except SchemaNotFound as missing:
        print(_("schema      none: {problem}", problem=missing))
        code = 2
    _print_packages(stack)
    return code


def _print_machine() -> None:
    from pipecheck.odapi.machine import current_machine, format_bytes

    machine = current_machine()
    print(
        _(
            "machine     {cpus} CPU cores, {available} of {total} RAM available, {gpus} GPUs",
            cpus=machine.cpus,
            available=format_bytes(machine.ram_available),
            total=format_bytes(machine.ram_total),
            gpus=machine.gpus,
        )
    )


def _print_packages(stack) -> None:
    """The training stack's versions, and what is known to break on it with what pipecheck does about it."""
    from pipecheck.wrappers.stack import incompatibilities

    print()
    print(_("Packages (read from their metadata; the lint never imports TensorFlow):"))
    for component in PACKAGES:
        found = stack.versions.get(component)
        shown = f"{found[1]}" + (f" ({found[0]})" if found[0] != component else "") if found else "—"
        extra = f", {_protobuf_backend()} backend" if component == "protobuf" and found else ""
        print(f"  {component:<20} {shown}{extra}")
    problems = incompatibilities(stack)
    print()
    print(_("Known incompatibilities on this installation: {count}", count=len(problems)))
    for problem in problems:
        if problem.handled:
            status = _("handled")
        elif problem.blocking or problem.only_for:
            status = _("blocks {command}", command="/".join(problem.only_for or ("train", "export", "eval")))
        else:
            status = _("advice")
        print(f"  [{status}] {problem.problem}")
        print(_("      fix: {fix}", fix=problem.fix))


def print_plan() -> int:
    """The install commands for the stack pipecheck-tfod[train] picks on this Python, for this interpreter."""
    import shlex

    from pipecheck.wrappers.plan import PLANS, install_commands, install_plan
    from pipecheck.wrappers.stack import inspect_stack

    python = sys.version_info[:2]
    installed = inspect_stack().tensorflow_wheels
    plan = next((p for p in PLANS if p.packages[0].replace("==", " ") in installed), None)
    if plan is not None:
        print(
            _(
                "# {name}, installed here, is one of the two stacks pipecheck's slow tier runs; its install:",
                name=plan.name,
            )
        )
    else:
        plan = install_plan(python)
        print(
            _(
                "# Python {python}: {name} (pipecheck-tfod[train] installs TensorFlow 2.15.1 on Python 3.10 and "
                "3.11, TensorFlow 2.21.0 from 3.12 on)",
                python=".".join(map(str, python)),
                name=plan.name,
            )
        )
    if installed and plan.packages[0].replace("==", " ") not in installed:
        print(
            _(
                "# {installed} already installed here: pip would replace it, mixing the wheels' files; in a new "
                "environment instead: python3 -m venv .venv-train, these commands with .venv-train/bin/pip, then "
                "pipecheck train --python .venv-train/bin/python",
                installed=", ".join(installed),
            )
        )
    for command in install_commands(plan, shlex.quote(sys.executable) + " -m pip"):
        print(command)
    return 0


def _protobuf_backend() -> str:
    try:
        from google.protobuf.internal import api_implementation

        return api_implementation.Type()
    except ImportError:  # pragma: no cover
        return _("unknown")
