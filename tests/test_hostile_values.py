"""Hostile input, round 2 (issue 23): numbers text format accepts but no training can use."""

import pytest
from support.cli import lint_json
from support.projects import CONFIG


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "-inf", "1e39"])
def test_an_infinite_or_nan_rate_is_a_finding_and_crashes_no_rule(course_project, value):
    config = course_project / CONFIG
    text = config.read_text()
    assert "learning_rate_base: .04" in text  # the zoo's rate with batch 1: PC509's case, where it crashed
    config.write_text(text.replace("learning_rate_base: .04", f"learning_rate_base: {value}"))
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0
    pc014 = [f for f in report["findings"] if f["rule"] == "PC014"]
    assert [f["field"].rsplit(".", 1)[-1] for f in pc014] == ["learning_rate_base"]
    assert value in pc014[0]["message"]
    rates = [f for f in report["findings"] if f["rule"] in ("PC504", "PC509", "PC510")]
    assert not rates, rates  # one finding for one cause: no rule computes with the infinite rate


@pytest.mark.parametrize(
    "block, internal", [("model {", False), ("train_input_reader: {", True), ("train_config: {", False)]
)
def test_an_unknown_extension_gets_the_input_reader_hint_only_in_an_input_reader(clean_project, block, internal):
    config = clean_project / CONFIG
    text = config.read_text()
    assert block in text
    config.write_text(text.replace(block, block + "\n  [object_detection.protos.Other.ext] { a: 1 }", 1))
    code, report = lint_json()
    pc001 = [f for f in report["findings"] if f["rule"] == "PC001"]
    assert code == 2 and len(pc001) == 1
    assert ("tf_record_input_reader" in pc001[0]["hint"]) is internal, pc001[0]["hint"]
