"""`pytest --pipecheck PATH` turns every rule into a test item: pass, fail, or skip when it cannot decide."""

import pytest
from support.projects import CONFIG

pytest_plugins = ["pytester"]


@pytest.fixture
def run_pytest(pytester, clean_project, monkeypatch):
    monkeypatch.chdir(clean_project)

    def run(*args):
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(clean_project), *args
        )

    return run


def test_a_clean_config_passes_rule_by_rule(run_pytest, clean_project):
    result = run_pytest("--pipecheck", CONFIG, "--pipecheck-ram", "16GiB", "-v")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 50 and "failed" not in outcomes
    result.stdout.fnmatch_lines(["*pipeline.config::PC101 num-classes-matches-label-map PASSED*"])


def test_a_broken_config_fails_the_rule_with_its_findings(run_pytest, clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    result = run_pytest("--pipecheck", str(config.parent), "--pipecheck-ram", "16GiB")
    assert result.parseoutcomes()["failed"] == 1
    result.stdout.fnmatch_lines(
        ["*PC101 error model.faster_rcnn.num_classes: num_classes is 1*", "*fix: write num_classes: 2*"]
    )


def test_rules_that_cannot_decide_are_skipped(run_pytest, clean_project):
    (clean_project / "faces_cubes/training/label_map.pbtxt").unlink()
    result = run_pytest("--pipecheck", CONFIG, "-rs")
    assert result.parseoutcomes()["skipped"] >= 5
    result.stdout.fnmatch_lines(["*does not exist from the launch root*"])


def test_without_the_option_the_plugin_does_nothing(run_pytest, clean_project):
    (clean_project / "test_nothing.py").write_text("def test_one():\n    pass\n")
    assert run_pytest("test_nothing.py").parseoutcomes() == {"passed": 1}
