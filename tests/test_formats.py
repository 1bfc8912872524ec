"""SARIF, JUnit, GitHub annotations and Markdown, each read back with a real parser."""

import json
import re
import subprocess
from xml.etree import ElementTree

import jsonschema
import pytest
from support.cli import run_cli
from support.projects import CONFIG


@pytest.fixture
def broken_project(clean_project):
    """One error (num_classes), one warning (warmup), the always-present notes."""
    config = clean_project / CONFIG
    text = (
        config.read_text()
        .replace("num_classes: 2", "num_classes: 1")
        .replace("total_steps: 1000", "total_steps: 25000")
    )
    config.write_text(text)
    return clean_project


def lint(*args) -> tuple[int, str]:
    return run_cli("check", CONFIG, "--ram", "16GiB", *args)


@pytest.mark.integration
def test_sarif_is_valid_for_the_official_schema_and_microsofts_validator(broken_project, tmp_path, sarif_multitool):
    code, out = lint("--format", "sarif")
    assert code == 1
    document = json.loads(out)
    tool = sarif_multitool
    schema = json.loads((tool / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    path = tmp_path / "pipecheck.sarif"
    path.write_text(out)
    result = subprocess.run(
        [str(tool / "Sarif.Multitool"), "validate", str(path), "-o", str(tmp_path / "v.sarif")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ": error " not in result.stdout, result.stdout
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["PC101"]["help"]["text"].startswith("num_classes equals")
    assert rules["PC101"]["defaultConfiguration"]["level"] == "error"
    error = next(r for r in run["results"] if r["ruleId"] == "PC101")
    assert error["level"] == "error" and run["tool"]["driver"]["rules"][error["ruleIndex"]]["id"] == "PC101"
    location = error["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == CONFIG
    assert location["physicalLocation"]["region"]["startLine"] == 10
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "model.faster_rcnn.num_classes"


def test_sarif_points_at_no_unrelated_project(broken_project):
    driver = json.loads(lint("--format", "sarif")[1])["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pipecheck" and "pypi.org/project/pipecheck/" not in json.dumps(driver)


def test_sarif_fingerprints_survive_a_line_shift(broken_project):
    first = json.loads(lint("--format", "sarif")[1])
    config = broken_project / CONFIG
    config.write_text("# a new comment line at the top\n" + config.read_text())
    second = json.loads(lint("--format", "sarif")[1])

    def prints(document):
        return {r["ruleId"]: r["partialFingerprints"]["pipecheck/v1"] for r in document["runs"][0]["results"]}

    lines = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in second["runs"][0]["results"]
    }
    assert prints(first) == prints(second) and lines["PC101"] == 11


def test_junit_has_one_case_per_rule_passes_included(broken_project):
    code, out = lint("--format", "junit")
    suites = ElementTree.fromstring(out)
    suite = suites.find("testsuite")
    cases = {case.get("name").split()[0]: case for case in suite.findall("testcase")}
    assert len(cases) == int(suite.get("tests")) >= 50
    assert cases["PC101"].find("failure") is not None and cases["PC101"].find("failure").get("type") == "error"
    assert cases["PC303"].find("failure") is None and not list(cases["PC303"])
    assert cases["PC503"].find("system-out") is not None  # a warning: reported, not failing
    assert int(suite.get("failures")) == 1
    strict = ElementTree.fromstring(lint("--format", "junit", "--strict")[1]).find("testsuite")
    assert int(strict.get("failures")) == 2


def test_junit_marks_undecided_rules_as_skipped(clean_project):
    (clean_project / "faces_cubes/training/label_map.pbtxt").unlink()
    suite = ElementTree.fromstring(lint("--format", "junit")[1]).find("testsuite")
    skipped = [c for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert skipped and "label map" in skipped[0].find("skipped").get("message")


def test_github_annotations_come_most_severe_first(broken_project):
    code, out = lint("--format", "github")
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.+)$")
    parsed = [pattern.match(line) for line in out.splitlines()]
    assert all(parsed), out
    kinds = [m.group(1) for m in parsed]
    assert kinds == sorted(kinds, key=["error", "warning", "notice"].index)
    first = parsed[0]
    assert (first.group(2), first.group(3), first.group(5)) == (CONFIG, "10", "PC101 num-classes-matches-label-map")


def test_github_annotations_escape_newlines_and_percent():
    from pipecheck.report.ci_formats import _escape_data, _escape_property

    assert _escape_data("50%\nnext") == "50%25%0Anext"
    assert _escape_property("a:b,c") == "a%3Ab%2Cc"


def test_markdown_parses_into_tables(broken_project):
    from markdown_it import MarkdownIt

    code, out = lint("--format", "markdown")
    tokens = MarkdownIt().enable("table").parse(out)
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 2  # findings and changes
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "PC101" in cells and "`model.faster_rcnn.num_classes`" in cells


def test_statistics_count_findings_per_rule(course_project):
    code, out = run_cli("check", CONFIG, "--statistics", "--ram", "8GiB")
    table = out[out.index("Count") :].splitlines()
    assert table[0].split() == ["Count", "Rule", "Name"]
    rows = [line.split() for line in table[2:]]
    assert ["3", "PC406", "no-multi-worker-settings"] in rows and ["1", "PC501", "warmup-ends-before-training"] in rows


def test_several_configs_in_one_run(clean_project):
    other = clean_project / "faces_cubes/training/copy/pipeline.config"
    other.parent.mkdir()
    other.write_text((clean_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 1"))
    code, out = run_cli("check", CONFIG, str(other.relative_to(clean_project)), "--format", "json", "--ram", "16GiB")
    documents = json.loads(out)
    assert code == 1 and [d["summary"]["errors"] for d in documents] == [0, 1]


def test_a_label_map_stands_for_the_configs_that_read_it(clean_project):
    code, out = run_cli("check", "faces_cubes/training/label_map.pbtxt", "--format", "json", "--ram", "16GiB")
    assert code == 0 and json.loads(out)["config"].endswith(CONFIG)
