"""`pipecheck rules`, `pipecheck rule CODE` and `pipecheck rules --format markdown` come from the rules' docstrings."""

from pathlib import Path

from support.cli import run_cli
from support.projects import REPO

from pipecheck.engine.discovery import discover
from pipecheck.report.rule_docs import rules_markdown

RULES = discover([], plugins=False).rules


def test_rules_lists_every_rule_with_its_metadata():
    code, out = run_cli("rules")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert code == 0 and set(rows) == {spec.code for spec in RULES}
    assert rows["PC101"] == ["PC101", "num-classes-matches-label-map", "error", "label-map", "safe"]


def test_rule_prints_the_documentation_with_its_examples():
    code, out = run_cli("rule", "PC301")
    assert code == 0 and out.startswith("PC301 checkpoint-is-a-prefix · error · checkpoint · fix: safe")
    assert "Bad (a folder):" in out and "Good:" in out
    assert run_cli("rule", "checkpoint-is-a-prefix")[1] == out


def test_an_unknown_rule_gets_a_did_you_mean(capsys):
    assert run_cli("rule", "PC30")[0] == 2
    assert "did you mean" in capsys.readouterr().err


def test_rules_as_one_markdown_page_documents_every_rule():
    code, out = run_cli("rules", "--format", "markdown")
    assert code == 0 and out == rules_markdown(RULES)
    assert all(f"## {spec.code} {spec.name}" in out for spec in RULES)


def test_every_rule_documents_why_and_its_catalogue_entries():
    for spec in RULES:
        if spec.code in ("PC002",):
            continue
        assert "Why:" in spec.doc and "Catalogue:" in spec.doc, spec.code


def test_every_catalogue_reference_opens_in_the_shipped_catalogue():
    """A rule's `Catalogue: C-06` names an entry of docs/failure-catalogue.md, which has its anchor."""
    from pipecheck.engine.discovery import discover
    from pipecheck.report.rule_docs import catalogue_entries

    shipped = (REPO / "docs" / "failure-catalogue.md").read_text()
    missing = [
        (spec.code, entry)
        for spec in discover([], plugins=False).rules
        for entry in catalogue_entries(spec.doc)
        if f'<a id="{entry.lower()}"></a>' not in shipped
    ]
    assert not missing, missing


def test_rule_says_where_it_is_defined(capsys):
    from support.cli import run_cli

    code, out = run_cli("rule", "PC101")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("(defined at "))
    path, number = line[len("(defined at ") : -1].rsplit(":", 1)
    source = Path(path).read_text().splitlines()
    assert source[int(number) - 1].startswith(('@rule("PC101"', "def num_classes_matches_label_map"))
    assert "docs/failure-catalogue.md" in out


def test_built_in_rules_use_only_the_public_rule_api():
    """Built-in rules import `pipecheck` and `pipecheck.rulekit` only, like a user's rules would."""
    import ast

    reaching = []
    for path in sorted((REPO / "rules").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipecheck"):
                if node.module not in ("pipecheck", "pipecheck.rulekit"):
                    reaching.append(f"{path.name}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.Import):
                reaching += [
                    f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name.startswith("pipecheck")
                ]
    assert not reaching, reaching
