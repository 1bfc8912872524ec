"""The tests install nothing, and an integration test fails in CI when its tool is missing."""

import ast

import pytest
from support import tools
from support.projects import REPO


class Node:
    def __init__(self, *markers: str):
        self.markers, self.nodeid = markers, "tests/test_x.py::test_y"

    def get_closest_marker(self, name):
        return name if name in self.markers else None


class Request:
    def __init__(self, *markers: str):
        self.node = Node(*markers)


def test_a_found_tool_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert tools.require(Request("integration"), "Chromium", "/usr/bin/chromium") == "/usr/bin/chromium"


def test_a_missing_tool_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed: .ci/install-test-tools"):
        tools.require(Request("integration"), "Chromium", None)


def test_a_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        tools.require(Request("integration"), "Chromium", None)


def test_only_an_integration_test_may_ask_for_a_tool(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception, match="mark it @pytest.mark.integration"):
        tools.require(Request(), "Chromium", "/usr/bin/chromium")


INSTALLERS = {"apt-get", "apt", "dpkg", "npm", "npx", "yarn", "snap"}


def commands_run(tree: ast.AST) -> list[str]:
    """The first word of each list or tuple of strings (a subprocess command) and of each string run by a shell."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and isinstance(node.elts[0], ast.Constant):
            if isinstance(node.elts[0].value, str):
                found.append(node.elts[0].value.split("/")[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.split():
            found.append(node.value.split()[0])
    return found


def test_no_test_calls_apt_get_or_npm():
    """.ci/install-test-tools installs the tools; a test that installed them would change the machine it runs on."""
    offenders = [
        f"{path.relative_to(REPO)}: {command}"
        for path in sorted((REPO / "tests").rglob("*.py"))
        if path.name != "test_test_tools.py"  # it names them, to look for them
        for command in commands_run(ast.parse(path.read_text()))
        if command in INSTALLERS
    ]
    assert offenders == []


def test_the_check_sees_an_installer():
    assert "apt-get" in commands_run(ast.parse('subprocess.run(["apt-get", "install", "-y", "chromium"])'))
    assert "npm" in commands_run(ast.parse('subprocess.run("npm install playwright-core", shell=True)'))
