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

# component -> the distributions that provide it, preferred first
DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos", "tf-nightly"),
    "keras": ("keras",),
    "tf-keras": ("tf-keras",),
    "protobuf": ("protobuf",),
    "tf-slim": ("tf-slim",),
    "tf-models-official": ("tf-models-official", "tf-models-nightly"),
    "object-detection": ("tf-models-research-object-detection", "object-detection"),
    "pycocotools": ("pycocotools",),
    "numpy": ("numpy",),
    "pillow": ("pillow", "Pillow"),
}
TRAIN_EXTRA = "pip install 'pipecheck[train]'"
OD_API_INSTALL = "pip install --no-deps tf-models-research-object-detection==2.8.0.post1"


@dataclass
class Stack:
    python: str
    versions: dict[str, tuple[str, str]]  # component -> (distribution, version), installed ones only
    od_api: Path | None = None  # the object_detection package folder
    protos: str | None = None  # "old-style" or "new-style" generated *_pb2.py
    tensorflow_wheels: list[str] = field(default_factory=list)

    def version(self, component: str) -> tuple[int, ...] | None:
        found = self.versions.get(component)
        return version_tuple(found[1]) if found else None


@dataclass
class Incompatibility:
    problem: str
    fix: str
    handled: bool = False  # pipecheck's launcher works around it in the subprocess
    blocking: bool = False  # training cannot start until it is fixed
    only_for: str = ""  # the command it matters to ("eval"), when not all of them


def version_tuple(text: str) -> tuple[int, ...]:
    """The release numbers of a version: "2.16.0rc1" -> (2, 16, 0)."""
    import re

    match = re.match(r"\d+(?:\.\d+)*", text)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


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
    spec = importlib.util.find_spec("object_detection")
    if spec is not None and spec.submodule_search_locations:
        stack.od_api = Path(list(spec.submodule_search_locations)[0])
        stack.protos = _protos_generation(stack.od_api / "protos" / "pipeline_pb2.py")
    return stack


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
    if tf is None:
        found.append(Incompatibility(_("TensorFlow is not installed (the lint does not need it; training does)"),
                                     TRAIN_EXTRA, blocking=True))
    if stack.od_api is None:
        found.append(Incompatibility(_("the OD API (object_detection) is not installed"), OD_API_INSTALL,
                                     blocking=True))
    for component, install in (("tf-models-official", "pip install --no-deps tf-models-official==2.15.0 "
                                                      "gin-config pyyaml"),
                               ("tf-slim", "pip install tf-slim==1.1.0")):
        if component not in stack.versions:
            found.append(Incompatibility(_("{package} is not installed: the OD API's model builder imports it",
                                           package=component), install, blocking=True))
    protobuf = stack.version("protobuf") or ()
    if stack.protos == "old-style" and protobuf >= (4,) and os.environ.get(
            "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION") != "python":
        found.append(Incompatibility(
            _("the OD API's *_pb2.py are old-style generated code: under protobuf {version} importing them fails "
              "with \"Descriptors cannot be created directly\"", version=stack.versions["protobuf"][1]),
            _("pipecheck rebuilds them in memory from the descriptors they embed (by hand: "
              "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python, measured 1.8x slower export)"), handled=True))
    if tf and tf >= (2, 13) and "tf-slim" in stack.versions:
        found.append(Incompatibility(
            _("tf-slim {version} calls control_flow_ops.case and .cond, removed in TensorFlow 2.13: training "
              "dies about 6 s in with an AttributeError", version=stack.versions["tf-slim"][1]),
            _("pipecheck points them at tf.compat.v1.case and tf.compat.v1.cond in the training process"),
            handled=True))
    if (stack.version("pillow") or ()) >= (10,):
        found.append(Incompatibility(
            _("Pillow {version} has no FreeTypeFont.getsize (removed in Pillow 10): the OD API's evaluation dies "
              "drawing its first image", version=stack.versions["pillow"][1]),
            _("pipecheck puts getsize back, measured with getbbox, in the evaluation process"), handled=True,
            only_for="eval"))
    if tf and tf >= (2, 16):
        keras = stack.version("tf-keras")
        if keras is None:
            found.append(Incompatibility(
                _("TensorFlow {version} comes with Keras 3, which the OD API cannot use",
                  version=stack.versions["tensorflow"][1]),
                _("pip install tf-keras=={major}.{minor}.* (pipecheck then sets TF_USE_LEGACY_KERAS=1), or use "
                  "TensorFlow 2.15.1: {extra}", major=tf[0], minor=tf[1], extra=TRAIN_EXTRA), blocking=True))
        else:
            found.append(Incompatibility(
                _("TensorFlow {version} comes with Keras 3, which the OD API cannot use",
                  version=stack.versions["tensorflow"][1]),
                _("pipecheck sets TF_USE_LEGACY_KERAS=1 for the training process (tf-keras is installed)"),
                handled=True))
        found.append(Incompatibility(
            _("TensorFlow {version} is not the measured stack: TF 2.21 trained 1.4 to 1.9 times slower per step than "
              "2.15.1 and needed a stand-in for the removed tf.compat.v1.estimator",
              version=stack.versions["tensorflow"][1]), TRAIN_EXTRA))
    if len(stack.tensorflow_wheels) > 1:
        found.append(Incompatibility(
            _("several TensorFlow wheels are installed ({wheels}): they overwrite each other's files",
              wheels=", ".join(stack.tensorflow_wheels)),
            _("keep one: pip uninstall {wheel}", wheel=stack.tensorflow_wheels[0].split()[0])))
    if "pycocotools" not in stack.versions:
        found.append(Incompatibility(_("pycocotools is not installed: the COCO metrics of pipecheck eval need it"),
                                     "pip install pycocotools", only_for="eval"))
    return found


def blocking(stack: Stack, command: str) -> list[Incompatibility]:
    """The problems that stop `command` ("train", "export" or "eval") before it starts."""
    return [i for i in incompatibilities(stack) if not i.handled and (
        (i.blocking and i.only_for in ("", command)) or i.only_for == command)]


def launcher_environment(stack: Stack) -> dict[str, str]:
    """Variables the training subprocess needs on this stack (shown by --dry-run)."""
    environment = {"PYTHONUNBUFFERED": "1"}
    tf = stack.version("tensorflow")
    if tf and tf >= (2, 16) and "tf-keras" in stack.versions:
        environment["TF_USE_LEGACY_KERAS"] = "1"
    return environment
