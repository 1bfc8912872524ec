"""No god-modules: no module over 400 lines and no function over 80 in the rules and the lint's
packages (issue 22). A family that outgrows its module splits into sub-families (see
tests/test_rules_wing.py); a rule that outgrows 80 lines hands a check to a helper.
"""

import ast
from pathlib import Path

from support.projects import REPO

MODULE_LINES, FUNCTION_LINES = 400, 80
SOURCE = REPO / "src" / "pipecheck"
# The rules and the layers under them; the commands, wrappers, reports and integrations above are
# held to the same sizes by their own owners' tests once they are split.
CHECKED = [
    REPO / "rules",
    *(SOURCE / name for name in ("engine", "artifacts", "schema", "textproto", "project", "odapi")),
]


def _files() -> list[Path]:
    return sorted([*SOURCE.glob("*.py"), *(path for folder in CHECKED for path in folder.rglob("*.py"))])


def oversized(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        name, text = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name, path.read_text()
        lines = len(text.splitlines())
        if lines > MODULE_LINES:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    found.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_over_400_lines_and_no_function_over_80():
    assert not oversized(_files()), oversized(_files())


def test_the_size_check_can_fail(tmp_path):
    long_function = "def f():\n" + "    x = 1\n" * FUNCTION_LINES
    (tmp_path / "big.py").write_text(long_function + "\n" * (MODULE_LINES - FUNCTION_LINES))
    assert [line.split(": ", 1)[1] for line in oversized([tmp_path / "big.py"])] == [
        f"{MODULE_LINES + 1} lines",
        f"{FUNCTION_LINES + 1} lines",
    ]
