"""Every output reads one result: a finding suppressed, baselined or given another severity is
treated the same by text, json, sarif, junit, github, markdown, the review page and pytest --pipecheck."""

import json
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from support.cli import run_cli
from support.projects import CONFIG, replace_once

pytest_plugins = ["pytester"]
WRONG_CLASSES = ("num_classes: 2", "num_classes: 1")


def every_output(tmp_path, *options: str) -> dict:
    """What each output says about PC101 for the project in the current folder."""
    seen = {}
    common = ("--ram", "16GiB", *options)
    code, text = run_cli("check", CONFIG, *common)
    seen["exit"] = code
    seen["text"] = "PC101" in text
    document = json.loads(run_cli("check", CONFIG, "--format", "json", *common)[1])
    seen["json"] = any(f["rule"] == "PC101" for f in document["findings"])
    seen["json summary failed"] = document["summary"]["failed"]
    sarif = json.loads(run_cli("check", CONFIG, "--format", "sarif", *common)[1])
    seen["sarif"] = any(r["ruleId"] == "PC101" for r in sarif["runs"][0]["results"])
    suites = ElementTree.fromstring(run_cli("check", CONFIG, "--format", "junit", *common)[1])
    case = next(c for c in suites.iter("testcase") if c.get("name").startswith("PC101 "))
    seen["junit"] = case.find("failure") is not None or case.find("system-out") is not None
    seen["junit failures"] = sum(int(s.get("failures")) for s in suites.iter("testsuite"))
    seen["github"] = "PC101" in run_cli("check", CONFIG, "--format", "github", *common)[1]
    seen["markdown"] = "PC101" in run_cli("check", CONFIG, "--format", "markdown", *common)[1]
    review = tmp_path / "review.html"
    run_cli("review", CONFIG, "-o", str(review), *options)
    page = review.read_text()
    seen["review"] = "PC101</" in page or ">PC101<" in page
    return seen


def pytest_plugin_says(pytester, root, *options: str) -> str:
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(root),
        "--pipecheck",
        CONFIG,
        "--pipecheck-ram",
        "16GiB",
        "-v",
        *options,
    )
    line = next(line for line in result.outlines if "::PC101 num-classes-matches-label-map " in line)
    return next(word for word in ("PASSED", "FAILED", "SKIPPED", "ERROR") if word in line)


def test_the_wrong_num_classes_shows_in_every_output(clean_project, tmp_path, pytester, monkeypatch):
    monkeypatch.chdir(clean_project)  # pytester moved to its own folder
    replace_once(clean_project / CONFIG, *WRONG_CLASSES)
    seen = every_output(tmp_path)
    assert seen["exit"] == 1 and seen["json summary failed"] >= 1 and seen["junit failures"] >= 1
    assert all(seen[key] for key in ("text", "json", "sarif", "junit", "github", "markdown", "review")), seen
    assert "FAILED" in pytest_plugin_says(pytester, clean_project)


def test_a_suppressed_finding_is_gone_from_every_output(clean_project, tmp_path, pytester, monkeypatch):
    monkeypatch.chdir(clean_project)  # pytester moved to its own folder
    replace_once(clean_project / CONFIG, "num_classes: 2", "num_classes: 1  # pipecheck: ignore[PC101]")
    seen = every_output(tmp_path)
    assert seen["exit"] == 0 and seen["json summary failed"] == 0 and seen["junit failures"] == 0, seen
    assert not any(seen[key] for key in ("text", "json", "sarif", "junit", "github", "markdown", "review")), seen
    assert "PASSED" in pytest_plugin_says(pytester, clean_project)
    document = json.loads(run_cli("check", CONFIG, "--format", "json", "--ram", "16GiB")[1])
    assert [(a["rule"], a["reason"]) for a in document["accepted"]] == [("PC101", "suppressed")]


def test_a_baselined_finding_is_gone_from_every_output(clean_project, tmp_path):
    replace_once(clean_project / CONFIG, *WRONG_CLASSES)
    baseline = tmp_path / "baseline.json"
    run_cli("check", CONFIG, "--ram", "16GiB", "--write-baseline", str(baseline))
    seen = every_output(tmp_path, "--baseline", str(baseline))
    assert seen["exit"] == 0 and seen["json summary failed"] == 0 and seen["junit failures"] == 0, seen
    assert not any(seen[key] for key in ("text", "json", "sarif", "junit", "github", "markdown")), seen


def test_a_severity_override_is_the_same_in_every_output(clean_project, tmp_path, pytester, monkeypatch):
    monkeypatch.chdir(clean_project)  # pytester moved to its own folder
    replace_once(clean_project / CONFIG, *WRONG_CLASSES)
    (clean_project / "pipecheck.toml").write_text('severity = { PC101 = "warning" }\n')
    seen = every_output(tmp_path)
    assert seen["exit"] == 0 and seen["json summary failed"] == 0 and seen["junit failures"] == 0, seen
    assert all(seen[key] for key in ("text", "json", "sarif", "junit", "github", "markdown", "review")), seen
    sarif = json.loads(run_cli("check", CONFIG, "--format", "sarif", "--ram", "16GiB")[1])
    assert {r["level"] for r in sarif["runs"][0]["results"] if r["ruleId"] == "PC101"} == {"warning"}
    assert "PASSED" in pytest_plugin_says(pytester, clean_project)
    assert "FAILED" in pytest_plugin_says(pytester, clean_project, "--pipecheck-strict")


def test_the_summary_counts_rules_like_pytest_does(clean_project):
    """Info findings do not fail a rule: the text summary, JSON, JUnit and pytest agree on the count."""
    document = json.loads(run_cli("check", CONFIG, "--format", "json", "--ram", "16GiB")[1])
    summary = document["summary"]
    assert summary["rules"] == summary["passed"] + summary["failed"] + summary["undecided"] + summary["crashed"]
    failing = {f["rule"] for f in document["findings"] if f["severity"] == "error"}
    assert summary["failed"] == len(failing)
    code, text = run_cli("check", CONFIG, "--ram", "16GiB")
    assert f"{summary['rules']} rules: {summary['passed']} passed" in text


@pytest.mark.parametrize("command", [["rules"], ["check", CONFIG, "--ram", "16GiB", "--select", "ALL"]])
def test_one_rule_count_everywhere(clean_project, command):
    """`pipecheck rules` and a run with every rule selected count the same rules (PC001 and PC002 included)."""
    listed = run_cli("rules")[1]
    document = json.loads(run_cli("check", CONFIG, "--ram", "16GiB", "--format", "json")[1])
    codes = [line.split()[0] for line in listed.splitlines() if line[:2] == "PC" and line.split()[0][2:].isdigit()]
    assert document["summary"]["rules"] == len(codes)


def test_a_config_that_does_not_parse_fails_pc001_everywhere(clean_project):
    """The clean project with num_classes' value deleted: PC001 alone (PC101 cannot compare a lost value)."""
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes:", 1))
    document = json.loads(run_cli("check", CONFIG, "--format", "json", "--ram", "16GiB")[1])
    shown = [f["rule"] for f in document["findings"] if f["tier"] == "default"]  # the clean project's notes aside
    assert shown == ["PC001"] and document["summary"]["failed"] == 1
    suites = ElementTree.fromstring(run_cli("check", CONFIG, "--format", "junit")[1])
    assert [c.get("name") for c in suites.iter("testcase") if c.find("failure") is not None] == ["PC001 syntax-error"]
    done = subprocess.run([sys.executable, "-m", "pipecheck", CONFIG], capture_output=True, text=True)
    assert done.returncode == 2 and "PC001" in done.stdout


def test_the_summary_counts_what_it_printed_and_says_how_many_more_v_shows(course_project):
    document = json.loads(run_cli("check", CONFIG, "--format", "json", "--ram", "16GiB")[1])
    shown = [f for f in document["findings"] if f["tier"] == "default"]
    hidden = len(document["findings"]) - len(shown)
    assert hidden > 0  # the course's TF1 leftovers (quiet) and the RAM note (detail)
    last = run_cli("check", CONFIG, "--ram", "16GiB")[1].rstrip().splitlines()[-1]
    infos = sum(f["severity"] == "info" for f in shown)
    assert f"{infos} info" in last and f"({hidden} more with -v)" in last
    assert "more with -v" not in run_cli("check", CONFIG, "--ram", "16GiB", "-v")[1].rstrip().splitlines()[-1]
