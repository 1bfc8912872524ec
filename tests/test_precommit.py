"""The pre-commit hook, run by the real pre-commit against a project in a temporary git repository.

pre-commit runs this checkout as it is (its uncommitted changes committed in a shadow clone, as
`pre-commit try-repo` does), from one store for the module: the hook's environment is installed
once, not once per run as try-repo's throwaway store did (4 installs of pipecheck and grpcio-tools).

The hook's environment has no OD API: the schema comes from the project's models/research
checkout (.proto files, compiled with the grpcio-tools the hook installs), as in the course's tree.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.projects import CONFIG, EXAMPLE, REPO, link_checkpoint_graph
from support.proto_source import write_proto_sources

from pipecheck.schema.extract import descriptor_from_generated_module

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("pre_commit")]


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory):
    """pre-commit's store, and its config naming this checkout's hook at a commit holding what is checked out."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    repository, rev = _checkout_as_a_commit(home)
    (home / "config.yaml").write_text(f"repos:\n- repo: {repository}\n  rev: {rev}\n  hooks:\n  - id: pipecheck\n")
    return home


def _git(*args: str, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _checkout_as_a_commit(work: Path) -> tuple[str, str]:
    """(repository, rev): HEAD when nothing tracked has changed, else try-repo's shadow clone with the changes committed
    (written to the shadow's index and objects, never to this repository's)."""
    head = _git("rev-parse", "HEAD", cwd=REPO)
    if subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=REPO).returncode == 0:
        return str(REPO), head
    shadow = work / "shadow-repo"
    _git("clone", "-q", str(REPO), str(shadow), cwd=work)
    _git("checkout", "-q", head, "-b", "_pc_tmp", cwd=shadow)
    env = {
        **os.environ,
        "GIT_INDEX_FILE": str(shadow / ".git/index"),
        "GIT_OBJECT_DIRECTORY": str(shadow / ".git/objects"),
    }
    staged = _git("diff", "--cached", "--name-only", "--no-renames", "-z", cwd=REPO).split("\0")
    if any(staged):
        _git("add", "--", *filter(None, staged), cwd=REPO, env=env)
    _git("add", "-u", cwd=REPO, env=env)
    _git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--no-verify",
        "--no-gpg-sign",
        "-m",
        "shadow",
        cwd=shadow,
    )
    return str(shadow), _git("rev-parse", "HEAD", cwd=shadow)


@pytest.fixture
def repository(tmp_path):
    root = link_checkpoint_graph(shutil.copytree(EXAMPLE / "tod_tf2", tmp_path / "tod_tf2"))
    protos = Path(importlib.util.find_spec("object_detection").submodule_search_locations[0]) / "protos"
    write_proto_sources(
        [descriptor_from_generated_module(p)[0] for p in sorted(protos.glob("*_pb2.py"))], root / "models" / "research"
    )
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "course project"],
    ):
        subprocess.run(command, cwd=root, check=True, capture_output=True)
    return root


def run_hook(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "PIPECHECK_CACHE_DIR": str(home / "cache")}
    environment.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--config", str(home / "config.yaml"), "--verbose", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
    )


def test_the_hook_passes_the_course_project_and_stops_a_mistake(repository, hook_home):
    result = run_hook(repository, hook_home, "--all-files")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "pipecheck" in result.stdout and "Passed" in result.stdout
    assert "schema    object_detection (checkout, compiled .proto" in result.stdout
    assert "PC402" not in result.stdout  # machine-dependent rules are off in the hook

    config = repository / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    result = run_hook(repository, hook_home, "--files", CONFIG)
    assert result.returncode == 1
    assert "PC101 error" in result.stdout and "num_classes is 1 but the label map" in result.stdout


def test_a_changed_label_map_lints_the_configs_that_read_it(repository, hook_home):
    """Whatever its name: published projects call theirs labelmap.pbtxt or defects_map.pbtxt."""
    label_map = repository / "faces_cubes/training/defects_map.pbtxt"
    (repository / "faces_cubes/training/label_map.pbtxt").rename(label_map)
    config = repository / CONFIG
    config.write_text(config.read_text().replace("training/label_map.pbtxt", "training/defects_map.pbtxt"))
    label_map.write_text(label_map.read_text().replace("id: 2", "id: 0"))
    result = run_hook(repository, hook_home, "--files", "faces_cubes/training/defects_map.pbtxt")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "PC102 error" in result.stdout


def test_staged_file_names_that_look_like_options_are_linted_as_files(repository, hook_home):
    real = repository / "real.config"
    real.write_text("keep me\n")
    shutil.copy(repository / CONFIG, repository / "-oreal.config")
    (repository / "-v.config").write_text("model {\n")
    subprocess.run(["git", "add", "--", "real.config", "-oreal.config", "-v.config"], cwd=repository, check=True)
    result = run_hook(repository, hook_home, "--all-files")
    assert real.read_text() == "keep me\n"  # not taken for `-o real.config`
    assert result.returncode == 1 and "-v.config:2" in result.stdout, result.stdout[-3000:]
