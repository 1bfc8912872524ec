"""--write-baseline records today's findings; --baseline accepts them, until the value they are about changes."""

import json

from support.cli import lint_json, run_cli
from support.projects import CONFIG


def break_num_classes(root, value="1"):
    config = root / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", f"num_classes: {value}"))


def test_a_baseline_accepts_existing_findings(clean_project):
    break_num_classes(clean_project)
    code, _ = run_cli("check", CONFIG, "--write-baseline", "baseline.json", "--ram", "16GiB")
    assert code == 1
    entries = json.loads((clean_project / "baseline.json").read_text())["findings"]
    assert {"rule": "PC101", "file": CONFIG, "field": "model.faster_rcnn.num_classes", "value": "1"} in entries
    code, document = lint_json("--baseline", "baseline.json")
    assert code == 0 and "PC101" not in {f["rule"] for f in document["findings"]}


def test_moving_lines_keeps_the_baseline_valid(clean_project):
    break_num_classes(clean_project)
    run_cli("check", CONFIG, "--write-baseline", "baseline.json", "--ram", "16GiB")
    config = clean_project / CONFIG
    config.write_text("# reviewed on Monday\n# two more lines\n" + config.read_text())
    assert lint_json("--baseline", "baseline.json")[0] == 0


def test_a_changed_value_brings_the_finding_back(clean_project):
    break_num_classes(clean_project)
    run_cli("check", CONFIG, "--write-baseline", "baseline.json", "--ram", "16GiB")
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 1", "num_classes: 0"))
    code, document = lint_json("--baseline", "baseline.json")
    assert code == 1 and "PC101" in {f["rule"] for f in document["findings"]}


def test_a_broken_baseline_file_is_a_usage_error(clean_project, capsys):
    (clean_project / "baseline.json").write_text("{not json")
    assert run_cli("check", CONFIG, "--baseline", "baseline.json")[0] == 2
    assert "not a pipecheck baseline" in capsys.readouterr().err
