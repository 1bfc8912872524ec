"""One batch_size recommendation per run, from RAM, records and the one-machine bound, stable from run to run
(issue 10, item 4)."""

import json
import re

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG

GIB = 2**30


@pytest.fixture
def zoo_batch(course_project):
    config = course_project / CONFIG
    config.write_text(config.read_text().replace("batch_size: 1\n", "batch_size: 64\n"))
    return course_project


def batch_findings(document):
    return {f["rule"]: f for f in document["findings"] if f["field"] == "train_config.batch_size"}


def written_batch(finding):
    return int(re.search(r"write batch_size: (\d+)", finding["hint"]).group(1))


def test_the_three_batch_rules_name_one_batch(zoo_batch):
    code, document = lint_json()  # --ram 16GiB: RAM allows 9, 16 records allow 4, one machine 8
    found = batch_findings(document)
    assert {"PC402", "PC716"} <= set(found) and "PC403" not in found  # PC402 says it: one finding per cause
    assert {written_batch(found[rule]) for rule in ("PC402", "PC716")} == {4}
    roomy = batch_findings(lint_json("--ram", "512GiB")[1])  # 64 fits: PC403 names the same batch
    assert {written_batch(roomy[rule]) for rule in ("PC403", "PC716")} == {4}
    # the message says what the batch needs, the hint what to write and why (said once)
    assert (
        found["PC402"]["hint"]
        == "write batch_size: 4 (16.0 GiB given: up to 9; 16 training records: up to 4; one machine: up to 8)"
    )


def test_ram_bounds_the_batch_when_it_is_the_smallest(zoo_batch):
    code, document = lint_json("--ram", "6GiB")
    assert {written_batch(f) for f in batch_findings(document).values() if f["hint"]} == {3}


@pytest.mark.parametrize("free", [5 * GIB, 11 * GIB, 17 * GIB])
def test_without_ram_the_figure_is_the_total_ram_and_does_not_move_with_free_ram(course_project, monkeypatch, free):
    import pipecheck.odapi.machine

    monkeypatch.setattr(pipecheck.odapi.machine, "_memory", lambda: (24 * GIB, free))
    code, out = run_cli("check", CONFIG, "--format", "json")
    message = batch_findings(json.loads(out))["PC402"]["message"]
    assert message.startswith("batch_size 1 needs about 2.9 GiB of the 24.0 GiB total RAM (")
    assert message.endswith(
        "recommended batch_size 4 (24.0 GiB total RAM: up to 15; 16 training records: up to 4; one machine: up to 8)"
    )


def test_free_ram_below_the_need_is_said_apart(course_project, monkeypatch):
    import pipecheck.odapi.machine

    monkeypatch.setattr(pipecheck.odapi.machine, "_memory", lambda: (24 * GIB, 2 * GIB))
    code, out = run_cli("check", CONFIG, "--format", "json")
    message = batch_findings(json.loads(out))["PC402"]["message"]
    assert "recommended batch_size 4" in message
    assert message.endswith("; only 2.0 GiB is free now: close other programs before training")


def test_pc402_still_decides_when_the_records_cannot_be_read(course_project):
    (course_project / "faces_cubes/training/train.record").unlink()
    (course_project / "faces_cubes/training/test.record").unlink()
    code, document = lint_json()
    assert "PC402" not in {u["rule"] for u in document["undecided"]}
    assert (
        "recommended batch_size 8 (16.0 GiB given: up to 9; one machine: up to 8)"
        in batch_findings(document)["PC402"]["message"]
    )
