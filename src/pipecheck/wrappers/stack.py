"""The training stack as installed, read from package metadata: nothing here imports TensorFlow.

Every known incompatibility comes with its fix. Those pipecheck works around do so inside the
training subprocess only (launcher.py), never by editing installed packages; the numbers
behind them are in ../shared/research/measurements.md.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.wrappers.compat import version_tuple
from pipecheck.wrappers.plan import PLANS, install_commands, install_plan

# component -> the distributions that provide it, preferred first
DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos", "tf-nightly"),
    "keras": ("keras",),
    "tf-keras": ("tf-keras",),
    "tensorboard": ("tensorboard", "tb-nightly"),
    "tensorflow-estimator": ("tensorflow-estimator",),
    "tensorflow-io": ("tensorflow-io",),
    "protobuf": ("protobuf",),
    "tf-slim": ("tf-slim",),
    "tf-models-official": ("tf-models-official", "tf-models-nightly"),
    "object-detection": ("tf-models-research-object-detection", "object-detection"),
    "pycocotools": ("pycocotools",),
    "numpy": ("numpy",),
    "pillow": ("pillow", "Pillow"),
}
PLAN_ADVICE = _("the install commands for this Python: pipecheck doctor --plan")
OD_API_INSTALL = "pip install --no-deps tf-models-research-object-detection==2.8.0.post1"


@dataclass
class Stack:
    python: str
    versions: dict[str, tuple[str, str]]  # component -> (distribution, version), installed ones only
    od_api: Path | None = None  # the object_detection package folder
    protos: str | None = None  # "old-style" or "new-style" generated *_pb2.py
    tensorflow_wheels: list[str] = field(default_factory=list)
    protobuf_floor: tuple[int, ...] | None = None  # the lowest protobuf the installed TensorFlow declares

    def version(self, component: str) -> tuple[int, ...] | None:
        found = self.versions.get(component)
        return version_tuple(found[1]) if found else None


@dataclass
class Incompatibility:
    problem: str
    fix: str
    handled: bool = False  # pipecheck's launcher works around it in the subprocess
    blocking: bool = False  # training cannot start until it is fixed
    only_for: tuple[str, ...] = ()  # the commands it matters to ("eval",), when not all of them


def inspect_stack() -> Stack:
    versions: dict[str, tuple[str, str]] = {}
    wheels = []
    for component, names in DISTRIBUTIONS.items():
        for name in names:
            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
            versions.setdefault(component, (name, version))
            if component == "tensorflow":
                wheels.append(f"{name} {version}")
    stack = Stack(platform.python_version(), versions, tensorflow_wheels=wheels)
    if "tensorflow" in versions:
        stack.protobuf_floor = _protobuf_floor(versions["tensorflow"][0])
    spec = importlib.util.find_spec("object_detection")
    if spec is not None and spec.submodule_search_locations:
        stack.od_api = Path(list(spec.submodule_search_locations)[0])
        stack.protos = _protos_generation(stack.od_api / "protos" / "pipeline_pb2.py")
    return stack


def _protobuf_floor(distribution: str) -> tuple[int, ...] | None:
    """The lower bound of TensorFlow's own protobuf requirement, e.g. "protobuf>=5.28.0" -> (5, 28, 0)."""
    import re

    for requirement in importlib.metadata.requires(distribution) or ():
        match = re.match(r"protobuf\s*\(?[^;]*?>=\s*([\d.]+)", requirement)
        if match and "extra ==" not in requirement:
            return version_tuple(match.group(1))
    return None


def _protos_generation(module: Path) -> str | None:
    from pipecheck.schema import ExtractError
    from pipecheck.schema.extract import descriptor_from_generated_module

    try:
        return descriptor_from_generated_module(module)[1] if module.is_file() else None
    except (ExtractError, OSError):
        return None


def incompatibilities(stack: Stack) -> list[Incompatibility]:
    found: list[Incompatibility] = []
    tf = stack.version("tensorflow")
    plan = install_plan(version_tuple(stack.python))
    if tf is None:
        found.append(
            Incompatibility(
                _("TensorFlow is not installed (the lint does not need it; training does)"),
                " && ".join(install_commands(plan, "pip")),
                blocking=True,
            )
        )
    if stack.od_api is None:
        found.append(
            Incompatibility(_("the OD API (object_detection) is not installed"), OD_API_INSTALL, blocking=True)
        )
    official = next(p for p in plan.no_deps if p.startswith("tf-models-official"))
    for component, install in (
        ("tf-models-official", f"pip install --no-deps {official} gin-config pyyaml"),
        ("tf-slim", "pip install tf-slim==1.1.0"),
    ):
        if component not in stack.versions:
            found.append(
                Incompatibility(
                    _("{package} is not installed: the OD API's model builder imports it", package=component),
                    install,
                    blocking=True,
                )
            )
    found += _protobuf_problems(stack, tf)
    if tf and tf >= (2, 13) and "tf-slim" in stack.versions:
        found.append(
            Incompatibility(
                _(
                    "tf-slim {version} calls control_flow_ops.case and .cond, removed in TensorFlow 2.13: training "
                    "dies about 6 s in with an AttributeError",
                    version=stack.versions["tf-slim"][1],
                ),
                _("pipecheck points them at tf.compat.v1.case and tf.compat.v1.cond in the training process"),
                handled=True,
            )
        )
    if (stack.version("pillow") or ()) >= (10,):
        found.append(
            Incompatibility(
                _(
                    "Pillow {version} has no FreeTypeFont.getsize (removed in Pillow 10): the OD API's evaluation dies "
                    "drawing its first image",
                    version=stack.versions["pillow"][1],
                ),
                _("pipecheck puts getsize back, measured with getbbox, in the evaluation process"),
                handled=True,
                only_for=("eval",),
            )
        )
    if tf:
        found += stand_in_problems(stack, tf)
    if len(stack.tensorflow_wheels) > 1:
        found.append(_several_wheels(stack))
    if "pycocotools" not in stack.versions:
        found.append(
            Incompatibility(
                _("pycocotools is not installed: the COCO metrics of pipecheck eval need it"),
                "pip install pycocotools",
                only_for=("eval",),
            )
        )
    return found


def _protobuf_problems(stack: Stack, tf: tuple[int, ...] | None) -> list[Incompatibility]:
    found = []
    protobuf = stack.version("protobuf") or ()
    if (
        stack.protos == "old-style"
        and protobuf >= (4,)
        and os.environ.get("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION") != "python"
    ):
        found.append(
            Incompatibility(
                _(
                    "the OD API's *_pb2.py are old-style generated code: under protobuf {version} importing them fails "
                    'with "Descriptors cannot be created directly"',
                    version=stack.versions["protobuf"][1],
                ),
                _(
                    "pipecheck rebuilds them in memory from the descriptors they embed (by hand: "
                    "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python, measured 1.8x slower export)"
                ),
                handled=True,
            )
        )
    if tf and protobuf and stack.protobuf_floor and protobuf < stack.protobuf_floor:
        floor = ".".join(map(str, stack.protobuf_floor))
        found.append(
            Incompatibility(
                _(
                    "protobuf {version} is older than TensorFlow {tf} requires (>= {floor}): downgrading protobuf, the "
                    'workaround the "Descriptors cannot be created directly" message suggests, breaks this '
                    "TensorFlow",
                    version=stack.versions["protobuf"][1],
                    tf=stack.versions["tensorflow"][1],
                    floor=floor,
                ),
                _("pip install 'protobuf>={floor}' (pipecheck rebuilds the OD API's protos for it)", floor=floor),
                blocking=True,
            )
        )
    return found


def stand_in_problems(stack: Stack, tf: tuple[int, ...]) -> list[Incompatibility]:
    """What TensorFlow 2.16 and later no longer ship that the OD API 2.8 needs (the stand-ins: compat.py)."""
    version = stack.versions["tensorflow"][1]
    found = [
        _keras_3(stack, tf, version) if tf >= (2, 16) else None,
        _no_estimator(stack, tf, version),
        _no_tensorflow_io(stack),
        _no_tensorboard(stack, tf),
        _not_measured(version),
    ]
    return [problem for problem in found if problem is not None]


def _keras_3(stack: Stack, tf: tuple[int, ...], version: str) -> Incompatibility:
    if "tf-keras" not in stack.versions:
        return Incompatibility(
            _(
                "TensorFlow {version} comes with Keras 3, which cannot build the OD API's models (MobileNetV2() "
                "got an unexpected keyword argument 'layers')",
                version=version,
            ),
            _(
                "pip install tf-keras=={major}.{minor}.* (pipecheck then sets TF_USE_LEGACY_KERAS=1)",
                major=tf[0],
                minor=tf[1],
            ),
            blocking=True,
        )
    return Incompatibility(
        _("TensorFlow {version} comes with Keras 3, which cannot build the OD API's models", version=version),
        _("pipecheck sets TF_USE_LEGACY_KERAS=1 for the training process (tf-keras is installed)"),
        handled=True,
    )


def _no_estimator(stack: Stack, tf: tuple[int, ...], version: str) -> Incompatibility | None:
    from pipecheck.wrappers import compat

    if not compat.needs_estimator_stand_in(tf, stack.version("tensorflow-estimator")):
        return None
    return Incompatibility(
        _(
            "TensorFlow {version} has no tf.compat.v1.estimator, which {where} import: train and eval fail at "
            "once with \"cannot import name 'estimator'\"",
            version=version,
            where=compat.ESTIMATOR_IMPORT,
        ),
        _(
            "pipecheck puts an empty stand-in in its place in the training process (only the OD API's TF1 "
            "Estimator code uses it)"
        ),
        handled=True,
    )


def _no_tensorflow_io(stack: Stack) -> Incompatibility | None:
    from pipecheck.wrappers import compat

    if "tensorflow-io" in stack.versions:
        return None
    return Incompatibility(
        _(
            "tensorflow-io is not installed (TensorFlow 2.21's stack leaves it out: it has no build for Python "
            "3.13): {where} imports it, so every command fails with \"No module named 'tensorflow_io'\"",
            where=compat.TENSORFLOW_IO_IMPORT,
        ),
        _("pipecheck puts an empty stand-in in its place in the training process (only DeepMAC models use it)"),
        handled=True,
    )


def _no_tensorboard(stack: Stack, tf: tuple[int, ...]) -> Incompatibility | None:
    if "tensorboard" in stack.versions:
        return None
    return Incompatibility(
        _(
            "tensorboard is not installed (TensorFlow 2.16+ no longer depends on it): tf.summary raises "
            "TBNotInstalledError in the OD API's training after step 1 and in its evaluation"
        ),
        f"pip install tensorboard=={tf[0]}.{tf[1]}.*",
        blocking=True,
        only_for=("train", "eval"),
    )


def _not_measured(version: str) -> Incompatibility | None:
    measured = {p.packages[0].split("==")[1] for p in PLANS}
    if version in measured:
        return None
    return Incompatibility(
        _(
            "TensorFlow {version} is not one of the stacks pipecheck's slow tier trains, exports and evaluates "
            "({measured})",
            version=version,
            measured=", ".join(sorted(measured)),
        ),
        PLAN_ADVICE,
    )


def _several_wheels(stack: Stack) -> Incompatibility:
    """Two TensorFlow wheels share files: uninstalling one deletes files the other uses, so reinstall the kept one."""
    installed = dict(wheel.split() for wheel in stack.tensorflow_wheels)
    keep = "tensorflow" if "tf-keras" in stack.versions and "tensorflow" in installed else next(iter(installed))
    problem = _(
        "several TensorFlow wheels are installed ({wheels}): they write the same files, so uninstalling "
        "one deletes files the other uses",
        wheels=", ".join(stack.tensorflow_wheels),
    )
    why = _("tf-keras depends on `tensorflow`") if keep == "tensorflow" and "tf-keras" in stack.versions else ""
    return Incompatibility(
        problem,
        _(
            "uninstall them all, then reinstall the one kept{why}: pip uninstall -y {names} "
            "&& pip install {keep}=={version}",
            why=f" ({why})" if why else "",
            names=" ".join(installed),
            keep=keep,
            version=installed[keep],
        ),
    )


def blocking(stack: Stack, command: str) -> list[Incompatibility]:
    """The problems that stop `command` ("train", "export" or "eval") before it starts."""
    return [
        i
        for i in incompatibilities(stack)
        if not i.handled and ((i.blocking and (not i.only_for or command in i.only_for)) or command in i.only_for)
    ]


def stock_script_failures(stack: Stack, command: str) -> list[str]:
    """Why the OD API's own scripts fail here: every problem the launcher works around for `command`."""
    return [i.problem for i in incompatibilities(stack) if i.handled and (not i.only_for or command in i.only_for)]


def launcher_environment(stack: Stack) -> dict[str, str]:
    """Variables the training subprocess needs on this stack (shown by --dry-run)."""
    from pipecheck.wrappers.compat import needs_legacy_keras

    environment = {"PYTHONUNBUFFERED": "1"}
    if needs_legacy_keras(stack.version("tensorflow"), "tf-keras" in stack.versions):
        environment["TF_USE_LEGACY_KERAS"] = "1"
    return environment
