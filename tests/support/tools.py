"""The external tools the integration tests drive, which `.ci/install-test-tools` installs (tests install nothing).

Debian's Chromium renders the review page, driven by playwright-core (npm, in .test-tools/node);
Microsoft's SARIF multitool (npm: @microsoft/sarif-multitool-linux, in .test-tools/sarif-multitool)
validates SARIF files and ships the official SARIF 2.1.0 JSON schema; pre-commit runs the hook.
A missing tool fails the test in CI (CI=true), where .ci/run has installed it, and skips it elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from support.projects import REPO

TOOLS = REPO / ".test-tools"
INSTALL = ".ci/install-test-tools (as root)"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(request: pytest.FixtureRequest, tool: str, found):
    """`found` if it is there; else fail the test in CI and skip it elsewhere. Only integration tests may ask."""
    if request.node.get_closest_marker("integration") is None:
        pytest.fail(f"{request.node.nodeid} drives {tool}: mark it @pytest.mark.integration")
    if found:
        return found
    message = f"{tool} is not installed: {INSTALL} installs it"
    if in_ci():
        pytest.fail(f"{message} (CI=true: an integration test never skips in CI)")
    pytest.skip(message)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def playwright_path() -> Path | None:
    """A node_modules folder with playwright-core (no browser download: it drives Debian's Chromium)."""
    folder = TOOLS / "node" / "node_modules"
    return folder if (folder / "playwright-core").is_dir() and shutil.which("node") else None


def sarif_multitool_path() -> Path | None:
    """The folder holding Sarif.Multitool and sarif-2.1.0.json."""
    folder = TOOLS / "sarif-multitool" / "package"
    return folder if (folder / "Sarif.Multitool").is_file() else None


def neovim_path() -> str | None:
    """Debian's Neovim (bookworm: 0.7.2), headless, as a client of `pipecheck lsp`."""
    return shutil.which("nvim")


def vsix_path() -> Path | None:
    """The VS Code extension .ci/install-test-tools built with @vscode/vsce (editors/vscode/*.vsix)."""
    built = sorted((REPO / "editors" / "vscode").glob("*.vsix"))
    return built[-1] if built else None


def jupyter_kernel_found() -> bool:
    """nbclient and ipykernel (the [test] extra): a real kernel runs the example notebook."""
    return all(importlib.util.find_spec(name) is not None for name in ("nbclient", "ipykernel", "nbformat"))


def pre_commit_found() -> bool:
    return importlib.util.find_spec("pre_commit") is not None
