"""The rules wing: a built-in rule's code says its file (file = category = code range).

Each module that holds built-in rules declares `CODES = ("PC500", "PC505")` (inclusive); the
ranges of one hundred's modules split it without gaps or overlaps, so a new rule's number tells
which file it belongs in, and a rule filed in the wrong module fails here.
"""

import sys

from pipecheck.engine.discovery import builtin_rules_dir, discover

RULES = discover([], plugins=False).rules
FAMILIES = 8  # PC0xx parsing .. PC7xx data


def _number(code: str) -> int:
    assert code.startswith("PC") and len(code) == 5 and code[2:].isdigit(), code
    return int(code[2:])


def _codes_of(module_name: str) -> tuple[int, int]:
    codes = getattr(sys.modules[module_name], "CODES", None)
    assert codes is not None, f"{module_name} holds built-in rules but declares no CODES"
    return _number(codes[0]), _number(codes[1])


def _ranges() -> dict[str, tuple[int, int]]:
    return {spec.function.__module__: _codes_of(spec.function.__module__) for spec in RULES}


def _misplaced(rules) -> list[str]:
    misplaced = []
    for spec in rules:
        low, high = _codes_of(spec.function.__module__)
        if not low <= _number(spec.code) <= high:
            misplaced.append(f"{spec.code} in {spec.origin} (CODES PC{low:03d}-PC{high:03d})")
    return misplaced


def test_every_builtin_rule_lies_in_its_modules_range():
    misplaced = _misplaced(RULES)
    assert not misplaced, "rules outside their module's CODES: " + "; ".join(misplaced)


def test_every_public_module_of_rules_declares_its_range():
    builtin = {name.rsplit(".", 1)[-1] for name in _ranges()}
    modules = {path.stem for path in builtin_rules_dir().glob("*.py") if not path.name.startswith("_")}
    assert modules <= builtin, f"modules without a built-in rule: {sorted(modules - builtin)}"


def test_ranges_split_each_family_without_gaps_or_overlaps():
    ranges = sorted(_ranges().values())
    for low, high in ranges:
        assert low <= high and low // 100 == high // 100, f"PC{low:03d}-PC{high:03d} spans two families"
    assert ranges[0][0] == 0 and ranges[-1][1] == FAMILIES * 100 - 1
    for (_, high), (low, _) in zip(ranges, ranges[1:]):
        assert low == high + 1, f"gap or overlap between PC{high:03d} and PC{low:03d}"


def test_a_rule_in_the_wrong_module_is_caught(tmp_path):
    """The check above can fail: a module whose CODES does not cover its rule is reported."""
    (tmp_path / "misfiled.py").write_text(
        'from pipecheck import rule\n\nCODES = ("PC600", "PC607")\n\n\n'
        '@rule("PC999", "misfiled-rule", category="model")\ndef misfiled(config):\n    """Never runs."""\n'
    )
    rules = [s for s in discover([tmp_path], builtin=False, plugins=False).rules if s.code == "PC999"]
    assert [line.split(" in ")[0] for line in _misplaced(rules)] == ["PC999"]


def test_builtin_rules_read_the_config_through_its_accessors():
    """`config.num_classes`, `config.eval_config`... are None without their block; `config.message` is raw."""
    raw = [
        f"{path.name}:{number}"
        for path in sorted(builtin_rules_dir().glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "config.message." in line or "original.message." in line
    ]
    assert not raw, f"rules reading the raw message instead of the config's accessors: {raw}"


def test_the_architecture_page_lists_each_modules_range():
    """docs/contributing/architecture.md names every rules module with its range, as `PC500-505 schedule.py`."""
    from pathlib import Path

    page = " ".join((Path(__file__).parents[1] / "docs" / "contributing" / "architecture.md").read_text().split())
    for module, (low, high) in _ranges().items():
        span = f"PC{low:03d}" if low == high else f"PC{low:03d}-{high % 1000:03d}"
        name = (
            module.removeprefix("pipecheck.").replace(".", "/")
            if module.startswith("pipecheck.")
            else module.rsplit(".", 1)[-1]
        )
        assert f"{span} {name}.py" in page, f"{span} {module} missing from the architecture page"
