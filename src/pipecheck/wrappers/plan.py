"""The two training stacks that `pipecheck-tfod[train]` picks between by Python version, and how to install each.

TensorFlow 2.15.1 (the last with Keras 2 built in) has wheels for Python 3.9 to 3.11 only; from
Python 3.12 on the stack is TensorFlow 2.21 with tf-keras and tensorboard. pyproject.toml's extras
hold the same pins (tests/test_training_stack.py compares them). Both are run by the slow tier.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class StackPlan:
    name: str
    extra: str  # the pyproject extra that installs `packages`
    packages: tuple[str, ...]
    no_deps: tuple[str, ...]  # their own pins break pip: installed with --no-deps


COMMON = ("tf-slim==1.1.0", "pycocotools", "opencv-python-headless", "matplotlib", "scipy", "pyyaml", "gin-config")
OD_API = ("lvis==0.5.3", "tf-models-research-object-detection==2.8.0.post1")
TF215 = StackPlan(
    "TensorFlow 2.15.1",
    "train-tf215",
    ("tensorflow-cpu==2.15.1", "tensorflow-io==0.36.0") + COMMON,
    ("tf-models-official==2.15.0",) + OD_API,
)
# `tensorflow`, not tensorflow-cpu: tf-keras depends on `tensorflow`, so pip would install both (shared files).
TF221 = StackPlan(
    "TensorFlow 2.21.0",
    "train-tf221",
    ("tensorflow==2.21.0", "tf-keras==2.21.0", "tensorboard==2.21.0") + COMMON,
    ("tf-models-official==2.20.0",) + OD_API,
)
PLANS = (TF215, TF221)


def install_plan(python: tuple[int, ...]) -> StackPlan:
    return TF215 if python[:2] < (3, 12) else TF221


def install_commands(plan: StackPlan, pip: str) -> list[str]:
    return [
        f"{pip} install " + " ".join(shlex.quote(p) for p in plan.packages),
        f"{pip} install --no-deps " + " ".join(shlex.quote(p) for p in plan.no_deps),
    ]
