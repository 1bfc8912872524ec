"""The house keeps its shape: imports go down the layers with no circle, and no module or function grows too big."""

import ast
from pathlib import Path

from support.projects import REPO

SOURCE = REPO / "src" / "pipecheck"

# Lowest first. A part may import its own layer's parts' lower neighbours only: nothing upward, so no circle.
# `pipecheck.__version__` (version.py) is a constant every layer may read; the package itself
# (`import pipecheck`: rule, fixture, Finding, lint...) only hands on names from below.
LAYERS = [
    {"__version__", "version.py", "errors.py", "i18n.py"},
    {"guarded.py", "atomic.py"},
    {"folders.py"},  # the guarded writer's folders, over its files
    {"cache.py"},
    {"schema", "textproto"},
    {"project", "artifacts"},
    {"odapi"},  # what the OD API implies, from the config and the checkpoint it reads
    {"engine", "rulekit.py"},
    {"report", "fixes"},
    {"wrappers", "lsp", "api.py"},  # what the commands start: the typed jobs, the language server, pipecheck.lint
    {"cli"},
    {"integrations"},  # the pytest plugin and the notebook magics, which take check's options as the command line does
    {"pipecheck", "testing", "__main__.py"},  # the package's face; the harness runs the command as a user does
]
LAYER = {part: level for level, parts in enumerate(LAYERS) for part in parts}

MODULE_LINES, FUNCTION_LINES = 400, 80


def part_of(module: str) -> str:
    """The part of the house a dotted module name belongs to: a package, or a top-level module's file name."""
    names = module.split(".")
    if len(names) == 1:
        return "pipecheck"
    return names[1] if (SOURCE / names[1]).is_dir() else f"{names[1]}.py"


def imported_parts(path: Path, text: str | None = None) -> set[str]:
    """The parts of pipecheck a source file imports (`text`, else its content), at its top or inside a function."""
    module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    parts = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).rstrip(".")
            if base == "pipecheck":
                names = [
                    "__version__" if alias.name == "__version__" else f"pipecheck.{alias.name}"
                    for alias in node.names
                    if alias.name == "__version__"
                    or (SOURCE / alias.name).exists()
                    or (SOURCE / f"{alias.name}.py").exists()
                ] or ["pipecheck"]
            else:
                names = [base]
        else:
            continue
        parts |= {
            "__version__" if name == "__version__" else part_of(name)
            for name in names
            if name == "__version__" or name == "pipecheck" or name.startswith("pipecheck.")
        }
    return parts


def upward(path: Path, text: str | None = None) -> list[str]:
    """The imports of a source file that go to its own layer's neighbours or above."""
    own = (
        "pipecheck"
        if path == SOURCE / "__init__.py"
        else part_of(".".join(path.relative_to(SOURCE.parent).with_suffix("").parts))
    )
    return [
        f"{path.relative_to(REPO)} ({own}) imports {part}"
        for part in sorted(imported_parts(path, text) - {own, "__version__"})
        if LAYER[part] >= LAYER[own]
    ]


def test_every_part_has_a_layer():
    parts = {p.name for p in SOURCE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    parts |= {p.name for p in SOURCE.glob("*.py") if p.name != "__init__.py"}
    assert parts - set(LAYER) == set()


def test_imports_go_down_the_layers():
    assert [line for path in sorted(SOURCE.rglob("*.py")) for line in upward(path)] == []


def test_the_layer_check_sees_an_upward_import():
    wrapper = SOURCE / "wrappers" / "launch.py"
    assert upward(wrapper, "def f():\n    from pipecheck.cli.common import lint_for\n") == [
        "src/pipecheck/wrappers/launch.py (wrappers) imports cli"
    ]
    assert upward(wrapper, "from ..integrations import pytest_plugin\n") != []
    assert upward(SOURCE / "lsp" / "server.py", "from pipecheck.cli.common import run_options\n") != []
    assert upward(SOURCE / "integrations" / "notebook.py", "from pipecheck.cli.main import build_parser\n") == []
    assert upward(wrapper, "from pipecheck import __version__, cache\nfrom . import runs\n") == []


def map_entries() -> list[str]:
    """The parts the map of docs/contributing/architecture.md names under src/pipecheck/, in its order."""
    page = (REPO / "docs" / "contributing" / "architecture.md").read_text()
    lines = page.split("\nsrc/pipecheck/", 1)[1].split("\nrules/", 1)[0].splitlines()[1:]
    return [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]


def test_the_map_names_every_part_from_the_ground_up():
    entries = [part for part in map_entries() if part in LAYER]
    assert set(LAYER) - set(entries) == {"__version__", "pipecheck"}  # version.py and the face (__init__.py)
    assert [LAYER[part] for part in entries] == sorted(LAYER[part] for part in entries), entries


def too_big(paths: list[Path]) -> list[str]:
    """The modules over MODULE_LINES lines and the functions over FUNCTION_LINES among `paths`."""
    found = []
    for path in paths:
        text, name = path.read_text(), (path.relative_to(REPO) if path.is_relative_to(REPO) else path).as_posix()
        if (lines := text.count("\n")) > MODULE_LINES:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > FUNCTION_LINES:
                    found.append(f"{name}:{node.name}: {node.end_lineno - node.lineno + 1} lines")
    return found


def test_no_module_over_400_lines_nor_function_over_80():
    assert too_big(sorted([*SOURCE.rglob("*.py"), *(REPO / "rules").rglob("*.py")])) == []


def test_the_size_check_sees_a_long_module_and_a_long_function(tmp_path):
    (tmp_path / "big.py").write_text(
        "def f():\n" + "    x = 1\n" * FUNCTION_LINES + "\n" * (MODULE_LINES - FUNCTION_LINES)
    )
    big = (tmp_path / "big.py").as_posix()
    assert too_big([tmp_path / "big.py"]) == [f"{big}: 401 lines", f"{big}:f: 81 lines"]


def module_imports(path: Path, text: str | None = None) -> set[str]:
    """The house's modules a source file imports, at its top or inside a function (a package is its __init__)."""
    modules = {
        ".".join(p.relative_to(SOURCE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in SOURCE.rglob("*.py")
    }
    own = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts).removesuffix(".__init__")
    package = own if path.name == "__init__.py" else own.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return (found & modules) - {own}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other through imports (strongly connected, more than one)."""
    circles, done = [], set()
    for start in sorted(graph):
        if start in done:
            continue
        reach = _reachable(graph, start)
        if start in reach:
            group = sorted(m for m in reach if start in _reachable(graph, m))
            circles.append(group)
            done |= set(group)
    return circles


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    reach, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in reach:
                reach.add(target)
                todo.append(target)
    return reach


def test_no_two_modules_import_each_other_even_inside_a_function():
    graph = {}
    for path in SOURCE.rglob("*.py"):
        name = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = module_imports(path)
    assert import_circles(graph) == []


def test_the_circle_check_sees_a_circle_through_a_lazy_import():
    assert import_circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    lazy = "def f():\n    from pipecheck.artifacts.records_split import scan_split\n"
    assert module_imports(SOURCE / "artifacts" / "records.py", lazy) == {"pipecheck.artifacts.records_split"}
