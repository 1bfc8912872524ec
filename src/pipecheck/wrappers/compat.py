"""Stand-ins for what TensorFlow >= 2.16 no longer ships and the OD API 2.8 still imports.

Each answers one import the OD API makes at module level on the train, export or eval path,
and is put in place only when that import would fail on the installed versions. They change the
running process only (sys.modules), never an installed file. `needs_*` read package metadata and
do not import TensorFlow: `pipecheck doctor` (wrappers/stack.py) lists the same decisions.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
import types

# where the OD API imports what the stand-ins answer (tf-models-research-object-detection 2.8.0.post1)
ESTIMATOR_IMPORT = "object_detection/inputs.py:24 and model_lib.py:26"
TENSORFLOW_IO_IMPORT = "object_detection/meta_architectures/deepmac_meta_arch.py:28"


def version_tuple(text: str) -> tuple[int, ...]:
    """The release numbers of a version: "2.16.0rc1" -> (2, 16, 0)."""
    match = re.match(r"\d+(?:\.\d+)*", text)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def _version(distribution: str) -> tuple[int, ...] | None:
    try:
        return version_tuple(importlib.metadata.version(distribution))
    except importlib.metadata.PackageNotFoundError:
        return None


def tensorflow_version() -> tuple[int, ...] | None:
    for name in ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos", "tf-nightly"):
        found = _version(name)
        if found:
            return found
    return None


def needs_legacy_keras(tf: tuple[int, ...] | None, tf_keras_installed: bool) -> bool:
    """TF >= 2.16 brings Keras 3, which cannot build the OD API's models; tf-keras is Keras 2."""
    return bool(tf and tf >= (2, 16) and tf_keras_installed)


def needs_estimator_stand_in(tf: tuple[int, ...] | None, estimator: tuple[int, ...] | None) -> bool:
    """tf.compat.v1.estimator exists only with a tensorflow-estimator of TensorFlow's own release.

    TensorFlow 2.16 stopped depending on it and no tensorflow-estimator was released after 2.15;
    an older one installed beside a newer TensorFlow fails too (`cannot import name 'estimator_training'`).
    """
    return bool(tf) and (estimator is None or estimator[:2] != tf[:2])


def needs_tensorflow_io_stand_in() -> bool:
    return importlib.util.find_spec("tensorflow_io") is None


class _Absent(types.ModuleType):
    """A module that imports but refuses every use, saying what it stands in for and why."""

    def __init__(self, name: str, reason: str):
        super().__init__(name, f"pipecheck's stand-in: {reason}")
        self.__pipecheck_reason__ = reason

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise ImportError(f"{self.__name__}.{attribute} is not available: {self.__pipecheck_reason__}")


def set_legacy_keras(announce) -> None:
    """TF_USE_LEGACY_KERAS=1 before TensorFlow is imported (also under --python, where no parent set it)."""
    if os.environ.get("TF_USE_LEGACY_KERAS") is None and needs_legacy_keras(
        tensorflow_version(), _version("tf-keras") is not None
    ):
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        announce("TF_USE_LEGACY_KERAS=1: the OD API builds its models with tf-keras, not Keras 3")


def apply_stand_ins(announce) -> None:
    """Call after `import tensorflow`, before the OD API is imported."""
    import tensorflow.compat.v1 as tf1

    try:
        from tensorflow.compat.v1 import estimator  # noqa: F401
    except ImportError:
        stand_in = _Absent(
            "tensorflow.compat.v1.estimator",
            "TensorFlow 2.16 removed tf.estimator; the OD API uses it only in its TF1 Estimator code",
        )
        # `from tensorflow.compat.v1 import estimator` falls back on sys.modules under the module's real name
        sys.modules[f"{tf1.__name__}.estimator"] = sys.modules["tensorflow.compat.v1.estimator"] = stand_in
        tf1.estimator = stand_in
        announce(
            f"tf.compat.v1.estimator, removed in TensorFlow 2.16, is an empty stand-in ({ESTIMATOR_IMPORT} "
            "import it; model_lib_v2 never uses it)"
        )
    if needs_tensorflow_io_stand_in():
        sys.modules["tensorflow_io"] = _Absent(
            "tensorflow_io",
            "tensorflow-io is not installed (it has no build "
            "for this TensorFlow or Python); only DeepMAC models need it",
        )
        announce(
            f"tensorflow_io is not installed: an empty stand-in answers {TENSORFLOW_IO_IMPORT} "
            "(only DeepMAC models use it)"
        )
