"""The install (docs/install.md) resolves on every Python pipecheck supports, each to its own stack (slow tier: PyPI).

pip evaluates environment markers against the interpreter running it whatever --python-version
says; uv's resolver takes the target Python for the markers too, so this one interpreter
resolves for all four. The real installs, on Python 3.11 and 3.12, are .ci/run's slow tiers.
uv is the one .ci/run (the README's first command) installed in .venv-uv.
"""

import shutil
import subprocess

import pytest
from support import tools
from support.projects import REPO

# uv resolves for each target Python whatever the venv running it: once is enough.
pytestmark = [pytest.mark.slow, pytest.mark.one_stack]


@pytest.fixture(scope="module")
def uv():
    """The uv the README's first command installs (.venv-uv), else one on the PATH: the test installs nothing."""
    found = REPO / ".venv-uv" / "bin" / "uv"
    found = str(found) if found.is_file() else shutil.which("uv")
    if found is None:
        message = "uv is not installed: the README's first command (python3 -m venv .venv-uv ...) installs it"
        if tools.in_ci():
            pytest.fail(f"{message} (CI=true: .ci/run has installed it)")
        pytest.skip(message)
    return found


def resolve(uv, python, *arguments):
    done = subprocess.run(
        [
            str(uv),
            "pip",
            "compile",
            *arguments,
            "--python-version",
            python,
            "--python-platform",
            "x86_64-manylinux_2_28",
            "--no-header",
            "--quiet",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        line.split("==")[0]: line.split("==")[1].strip()
        for line in done.stdout.splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }


@pytest.mark.parametrize(
    "python, tensorflow, official",
    [
        ("3.10", ("tensorflow-cpu", "2.15.1"), "2.15.0"),
        ("3.11", ("tensorflow-cpu", "2.15.1"), "2.15.0"),
        ("3.12", ("tensorflow", "2.21.0"), "2.20.0"),
        ("3.13", ("tensorflow", "2.21.0"), "2.20.0"),
    ],
)
def test_the_train_extra_picks_the_stack_for_each_python(uv, python, tensorflow, official):
    from pipecheck.wrappers.plan import install_plan

    pinned = resolve(uv, python, "pyproject.toml", "--extra", "train")
    name, version = tensorflow
    assert pinned[name] == version
    assert ("tensorflow-cpu" in pinned) == (name == "tensorflow-cpu")  # never both wheels
    if version.startswith("2.21"):
        assert pinned["tf-keras"] == "2.21.0" and pinned["tensorboard"] == "2.21.0"
    plan = install_plan(tuple(int(part) for part in python.split(".")))
    assert plan.packages[0] == f"{name}=={version}"  # what doctor --plan prints on that Python
    no_deps = resolve(uv, python, "requirements/od-api.txt", "--no-deps")
    assert no_deps["tf-models-official"] == official and no_deps["tf-models-research-object-detection"] == "2.8.0.post1"
    assert f"tf-models-official=={official}" in plan.no_deps
