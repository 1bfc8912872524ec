"""Every schedule problem in one run, with one schedule that fix --unsafe writes (issue 10, item 3)."""

import re

from support.cli import lint_json, run_cli
from support.projects import CONFIG

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def schedule_findings(document):
    return {f["field"].rsplit(".", 1)[-1]: f for f in document["findings"] if f["rule"].startswith("PC50")}


def test_the_course_values_show_every_schedule_problem_at_once(course_project):
    code, document = lint_json()
    found = schedule_findings(document)
    assert {name: f["rule"] for name, f in found.items()} == {
        "warmup_steps": "PC501",
        "total_steps": "PC503",
        "learning_rate_base": "PC509",
        "warmup_learning_rate": "PC509",
    }


def test_each_finding_names_the_same_schedule(course_project):
    code, document = lint_json()
    schedule = {
        "warmup_steps": "100",
        "total_steps": "1000",
        "learning_rate_base": "0.000625",
        "warmup_learning_rate": "0.000208",
    }
    for name, finding in schedule_findings(document).items():
        named = dict(
            re.findall(
                r"(warmup_steps|total_steps|learning_rate_base|warmup_learning_rate):? ([0-9.]+)", finding["hint"]
            )
        )
        assert named == schedule, (name, finding["hint"])


def test_fix_unsafe_writes_the_whole_schedule_and_leaves_no_schedule_finding(course_project):
    code, out = run_cli("fix", CONFIG, "--unsafe", "--ram", "16GiB")
    text = (course_project / CONFIG).read_text()
    for line in (
        "warmup_steps: 100",
        "total_steps: 1000",
        "learning_rate_base: 0.000625",
        "warmup_learning_rate: 0.000208",
    ):
        assert line in text, out
    code, document = lint_json()
    assert schedule_findings(document) == {} and code == 0
    assert not [f for f in document["findings"] if f["severity"] != "info"], document["findings"]


def test_safe_fix_writes_the_steps_and_leaves_the_rates_to_choose(course_project):
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    text = (course_project / CONFIG).read_text()
    assert "warmup_steps: 100" in text and "total_steps: 1000" in text and "learning_rate_base: .04" in text
    assert "learning_rate_base: unsafe fix: run with --unsafe" in out
    code, document = lint_json()
    assert {f["rule"] for f in document["findings"] if f["severity"] == "error"} == set()


def test_a_warmup_rate_the_user_chose_is_kept_when_below_the_scaled_base(course_project):
    config = course_project / CONFIG
    config.write_text(config.read_text().replace("warmup_learning_rate: .013333", "warmup_learning_rate: .0001"))
    code, document = lint_json()
    assert "warmup_learning_rate" not in schedule_findings(document)
    assert "learning_rate_base" in schedule_findings(document)
