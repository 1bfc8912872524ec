"""`pipecheck rules`, `pipecheck rule CODE` and docs/rules.md come from the rules' docstrings."""

from conftest import run_cli
from pipecheck.engine.discovery import discover
from pipecheck.report.rule_docs import rules_markdown
from support.projects import REPO

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


def test_docs_rules_md_is_up_to_date():
    committed = (REPO / "docs" / "rules.md").read_text()
    assert committed == rules_markdown(RULES), "run: pipecheck rules --format markdown > docs/rules.md"


def test_every_rule_documents_why_and_its_catalogue_entries():
    for spec in RULES:
        if spec.code in ("PC002",):
            continue
        assert "Why:" in spec.doc and "Catalogue:" in spec.doc, spec.code
