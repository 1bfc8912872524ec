"""External tools some tests use, fetched from the package registries into .test-tools/ (git-ignored).

Microsoft's SARIF multitool (npm: @microsoft/sarif-multitool-linux) validates SARIF files and ships
the official SARIF 2.1.0 JSON schema; playwright-core drives Debian's Chromium for the review page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from support.projects import REPO

TOOLS = REPO / ".test-tools"
SARIF_MULTITOOL = "@microsoft/sarif-multitool-linux@5.7.0"
PLAYWRIGHT = "playwright-core@1.49.1"


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-1500:]}")


def sarif_multitool() -> Path:
    """The folder holding Sarif.Multitool and sarif-2.1.0.json."""
    folder = TOOLS / "sarif-multitool"
    if not (folder / "package" / "Sarif.Multitool").exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is needed to fetch the SARIF multitool")
        folder.mkdir(parents=True, exist_ok=True)
        _run(["npm", "pack", SARIF_MULTITOOL, "--silent"], folder)
        archive = next(folder.glob("*.tgz"))
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(folder)
        archive.unlink()
        (folder / "package" / "Sarif.Multitool").chmod(0o755)
    return folder / "package"


def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (the test setup runs as root in CI)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("Chromium is not installed and cannot be installed here (apt-get as root)")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        ["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, text=True, env=environment, timeout=900
    )
    if result.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=environment, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            capture_output=True,
            env=environment,
            timeout=900,
            check=True,
        )
    return shutil.which("chromium")


def playwright() -> Path:
    """A node_modules folder with playwright-core (no browser download: it drives Debian's Chromium)."""
    folder = TOOLS / "node"
    if not (folder / "node_modules" / "playwright-core").is_dir():
        if shutil.which("npm") is None:
            pytest.skip("npm is needed to fetch playwright-core")
        folder.mkdir(parents=True, exist_ok=True)
        _run(["npm", "install", "--no-audit", "--no-fund", "--silent", PLAYWRIGHT], folder)
    return folder / "node_modules"
