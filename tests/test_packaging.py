"""The built wheel carries the built-in rules and lints the example from a fresh virtual environment.

Run on the newest protobuf and on 3.20.3, the oldest pipecheck supports (pure Python there).
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from support.projects import CONFIG, EXAMPLE, REPO

OD_API = "tf-models-research-object-detection==2.8.0.post1"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(REPO)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return next(out.glob("pipecheck_tfod-*.whl"))


def test_the_wheel_contains_the_builtin_rules_and_the_output_schema(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert {
        "pipecheck/builtin_rules/label_map.py",
        "pipecheck/builtin_rules/_common.py",
        "pipecheck/report/output.schema.json",
        "pipecheck/locale/fr/LC_MESSAGES/pipecheck.mo",
    } <= set(names)


def test_the_distribution_is_not_named_like_the_unrelated_pypi_pipecheck(wheel):
    """`pipecheck` on PyPI is a system checker: the distribution is pipecheck-tfod, the command and import pipecheck."""
    import zipfile

    archive = zipfile.ZipFile(wheel)
    info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = archive.read(info).decode()
    assert "\nName: pipecheck-tfod\n" in metadata
    scripts = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "pipecheck = pipecheck.cli.main:main" in scripts


@pytest.mark.integration  # pip installs the wheel and protobuf from the package index into a fresh venv
@pytest.mark.parametrize("protobuf", ["protobuf", "protobuf==3.20.3"])
def test_a_fresh_venv_with_the_wheel_lints_the_example(wheel, protobuf, tmp_path):
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for packages in ([str(wheel), protobuf], ["--no-deps", OD_API]):
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *packages], capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr[-2000:]
    project = shutil.copytree(EXAMPLE / "tod_tf2", tmp_path / "tod_tf2")
    result = subprocess.run(
        [str(environment / "bin" / "pipecheck"), CONFIG, "--ram", "8GiB"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**env, "PIPECHECK_CACHE_DIR": str(tmp_path / "c")},
    )
    assert result.returncode == 1, result.stdout + result.stderr  # the example's stand-in checkpoint: PC312
    assert "PC312 error" in result.stdout
    assert (
        "(13):" in result.stdout and "== 1 error, 1 warning" in result.stdout
    )  # the schedule is one warning (issue 18)
    version = subprocess.run(
        [str(python), "-c", "import google.protobuf as p; print(p.__version__)"],
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    assert version.startswith("3.20") == (protobuf == "protobuf==3.20.3")
