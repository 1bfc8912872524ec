"""The language server in real clients: Neovim (headless) and the VS Code extension's package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from support.projects import CONFIG, EXAMPLE, REPO

from pipecheck.report.rule_docs import rule_page_url  # noqa: E402

pytest.importorskip("pygls")


@pytest.mark.integration
def test_neovim_shows_the_course_warnings_then_pc101_unsaved_and_applies_its_fix(neovim, tmp_path):
    root = tmp_path / "faces_cubes" / "tod_tf2"
    shutil.copytree(EXAMPLE / "tod_tf2", root)
    config = root / CONFIG
    before = config.read_text()
    out = tmp_path / "nvim.json"
    env = {
        **os.environ,
        "PIPECHECK_PYTHON": sys.executable,
        "PIPECHECK_CONFIG": str(config),
        "PIPECHECK_WORKSPACE": str(root.parent),  # the editor's folder is not the launch root
        "PIPECHECK_OUT": str(out),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    script = REPO / "tests" / "support" / "nvim_lsp.lua"
    done = subprocess.run(
        [neovim, "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {script}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.exists(), done.stderr[-2000:]
    seen = json.loads(out.read_text())
    on_open = {(item["code"], item["lnum"] + 1) for item in seen["on_open"]}
    assert {("PC312", 113), ("PC509", 102), ("PC503", 103), ("PC509", 104), ("PC501", 105)} <= on_open
    assert seen["pc101"] and seen["modified"] and config.read_text() == before  # shown without saving
    pc101 = next(item for item in seen["after_edit"] if item["code"] == "PC101")
    assert pc101["lnum"] == seen["row"] == 9 and pc101["href"] == rule_page_url("PC101")
    assert "**PC101**" in seen["hover"] and f"({rule_page_url('PC101')})" in seen["hover"]
    assert seen["fixed"].strip() == "num_classes: 2" and seen["cleared"]
    assert "Suppress PC101 on this line (# pipecheck: ignore)" in seen["titles"]


@pytest.mark.integration
def test_the_vscode_extension_package_starts_pipecheck_lsp_for_configs_and_label_maps(vscode_vsix):
    with zipfile.ZipFile(vscode_vsix) as package:
        names = set(package.namelist())
        manifest = json.loads(package.read("extension/package.json"))
        main = package.read("extension/" + manifest["main"].removeprefix("./") + ".js").decode()
    assert "extension/node_modules/vscode-languageclient/package.json" in names
    assert manifest["engines"]["vscode"].startswith("^1.")
    languages = {language["id"]: language for language in manifest["contributes"]["languages"]}
    assert "**/pipeline.config" in languages["pipeline-config"]["filenamePatterns"]
    assert ".pbtxt" in languages["pbtxt"]["extensions"]
    assert languages["pipeline-config"]["firstLine"].startswith("^")  # a *.config with a model block
    assert 'getConfiguration("pipecheck")' in main and '"lsp"' in main  # starts `pipecheck lsp`
    assert '"**/*.config"' in main and '"**/*.pbtxt"' in main  # the server keeps the *.config with a model block
