"""Rule options: thresholds a team sets per rule in [tool.pipecheck.rule-options], checked against
the options the rules declare (`@rule(..., options={...})`), shown on the rule's documentation."""

import json

import pytest
from support.cli import run_cli
from support.projects import CONFIG

from pipecheck import option, rule
from pipecheck.engine.discovery import discover
from pipecheck.report.rule_docs import rule_markdown, rule_text

RULES = {spec.code: spec for spec in discover([], plugins=False).rules}


def lint(*args: str) -> tuple[int, dict]:
    """lint_json, except that a settings error prints no report."""
    code, out = run_cli("check", CONFIG, "--format", "json", "--ram", "16GiB", *args)
    return code, json.loads(out) if out.strip() else {}


def findings_of(document: dict, code: str) -> list[dict]:
    return [f for f in document["findings"] if f["rule"] == code]


def test_an_option_changes_a_finding(clean_project):
    code, document = lint()
    assert code == 0 and not findings_of(document, "PC718")
    (clean_project / "pipecheck.toml").write_text("[rule-options.PC718]\nfew_views = 100000\n")
    code, document = lint()
    [finding] = findings_of(document, "PC718")
    assert "fewer than 100000 times" in finding["message"] and code == 0  # a warning: exit 0 without --strict


def test_options_are_set_by_rule_name_too_and_in_pyproject(clean_project):
    (clean_project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.pipecheck.rule-options.classes-seen-enough]\nfew_views = 100000\n'
    )
    assert findings_of(lint()[1], "PC718")


def test_the_training_time_limit_is_an_option_and_the_finding_keeps_the_configs_steps(clean_project):
    (clean_project / "pipecheck.toml").write_text("[rule-options.PC404]\nmax_hours = 0.01\n")
    document = lint("--select", "PC404", "--verbose")[1]
    undecided = {u["rule"]: u["reason"] for u in document["undecided"]}
    if "PC404" in undecided:
        pytest.skip(f"PC404 cannot decide on this machine: {undecided['PC404']}")
    [finding] = findings_of(document, "PC404")
    assert finding["message"].startswith("1000 steps at about") and "fit in 0.01 hours" in finding["hint"]


@pytest.mark.parametrize(
    "settings, problem",
    [
        (
            "[rule-options.PC718]\nfew_veiws = 10\n",
            "unknown setting 'rule-options.PC718.few_veiws'; did you mean 'few_views'?",
        ),
        ('[rule-options.PC718]\nfew_views = "many"\n', "rule-options.PC718.few_views: 'many' is not of type 'integer'"),
        ("[rule-options.PC718]\nfew_views = 0\n", "rule-options.PC718.few_views: 0 is less than the minimum of 1"),
        ("[rule-options.PC101]\nfew_views = 10\n", "unknown setting 'rule-options.PC101'"),
    ],
)
def test_a_wrong_option_is_a_settings_error_naming_the_file_and_line(clean_project, capsys, settings, problem):
    (clean_project / "pipecheck.toml").write_text("# team thresholds\n" + settings)
    assert lint()[0] == 2
    err = capsys.readouterr().err
    assert f"pipecheck.toml:{3 if 'PC101' not in settings else 2}: " in err and problem in err, err
    assert "Traceback" not in err


def test_the_rules_documentation_shows_its_options_and_defaults():
    assert "ram_margin = 0.15 (number, ≥ 0, ≤ 1)" in rule_text(RULES["PC402"])
    assert "- `max_hours = 24.0` (number, > 0)" in rule_markdown(RULES["PC404"])
    assert "Options" not in rule_markdown(RULES["PC101"])


def test_an_option_must_be_a_parameter_of_the_rule():
    with pytest.raises(ValueError, match="must be parameters"):

        @rule("XX101", "no-such-parameter", category="model", options={"limit": option(1, "a limit")})
        def no_such_parameter(config):
            """A rule that forgot its option's parameter."""
