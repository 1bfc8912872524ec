import os
import shutil
import sys
from pathlib import Path

import pytest
from support import tools
from support.projects import REPO, copy_example, link_checkpoint_graph, make_clean

# pytester restores sys.modules after each of its tests: a pipecheck module first imported inside
# one would come back as a second copy, with exception classes the first copy does not catch.
import pipecheck.cli.check  # noqa: E402,F401
import pipecheck.engine.artifact_fixtures  # noqa: E402,F401
import pipecheck.engine.builtin_fixtures  # noqa: E402,F401
import pipecheck.engine.runner  # noqa: E402,F401


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Keep the tests' schema and record caches out of the user's ~/.cache."""
    previous = os.environ.get("PIPECHECK_CACHE_DIR")
    os.environ["PIPECHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("PIPECHECK_CACHE_DIR", None)
    else:
        os.environ["PIPECHECK_CACHE_DIR"] = previous


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """Findings on one line each, as tests match them whole; tests of the wrapping set COLUMNS themselves."""
    monkeypatch.setenv("COLUMNS", "1000")


@pytest.fixture(scope="session")
def clean_template(tmp_path_factory) -> Path:
    return make_clean(copy_example(tmp_path_factory.mktemp("template") / "tod_tf2"))


@pytest.fixture
def clean_project(clean_template, tmp_path, monkeypatch) -> Path:
    """A copy of the course project with every value set so that no rule finds anything; cwd is its root."""
    root = tmp_path / "tod_tf2"
    shutil.copytree(clean_template, root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def course_project(tmp_path, monkeypatch) -> Path:
    """A copy of the committed course example (the course's 13 edits), its stand-in checkpoint given an object graph
    (link_checkpoint_graph: the committed one is reported by PC312, tests/test_checkpoint_restorable.py); cwd is its
    root."""
    root = link_checkpoint_graph(copy_example(tmp_path / "tod_tf2"))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def archive(tmp_path):
    """The course network packed as the zoo ships it: <net>.tar.gz holding <net>/ (for init)."""
    import tarfile

    from support.projects import EXAMPLE, NET

    path = tmp_path / f"{NET}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(EXAMPLE / "tod_tf2" / "pre-trained" / NET, arcname=NET)
    return path


@pytest.fixture
def empty_root(tmp_path, monkeypatch):
    """An empty tod_tf2/, the current folder."""
    root = tmp_path / "tod_tf2"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def fake_python(tmp_path):
    """An interpreter path that runs the stand-in for the OD API (tests/support/fake_od_api.py)."""
    script = tmp_path / "fake-python"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} {REPO / "tests/support/fake_od_api.py"} "$@"\n')
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def chromium(request) -> str:
    """Debian's Chromium, for an integration test (fails in CI when missing, skips elsewhere)."""
    return tools.require(request, "Chromium", tools.chromium_path())


@pytest.fixture
def playwright(request) -> Path:
    """node and a node_modules folder with playwright-core, for an integration test."""
    return tools.require(request, "node with playwright-core", tools.playwright_path())


@pytest.fixture
def sarif_multitool(request) -> Path:
    """The folder holding Microsoft's Sarif.Multitool and sarif-2.1.0.json, for an integration test."""
    return tools.require(request, "the SARIF multitool", tools.sarif_multitool_path())


@pytest.fixture
def pre_commit(request) -> None:
    """pre-commit (the [test] extra), for an integration test."""
    tools.require(request, "pre-commit", tools.pre_commit_found())


@pytest.fixture
def neovim(request) -> str:
    """Debian's Neovim, for an integration test (fails in CI when missing, skips elsewhere)."""
    return tools.require(request, "Neovim", tools.neovim_path())


@pytest.fixture
def vscode_vsix(request) -> Path:
    """The .vsix .ci/install-test-tools built from editors/vscode, for an integration test."""
    return tools.require(request, "the VS Code extension's .vsix", tools.vsix_path())


@pytest.fixture
def jupyter_kernel(request) -> None:
    """nbclient, nbformat and ipykernel (the [test] extra), for an integration test."""
    tools.require(request, "a Jupyter kernel (nbclient, ipykernel)", tools.jupyter_kernel_found())
