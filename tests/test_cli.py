"""The command as users meet it: the course example, output formats, exit codes, no TensorFlow."""

import io
import json
import os
import subprocess
import sys

import jsonschema
import pytest
from support.cli import lint_json, pipecheck, run_cli
from support.projects import CONFIG, CORPUS, EXAMPLE, NET

from pipecheck.report.json_report import SCHEMA_PATH

COURSE_LINES = [10, 77, 78, 93, 97, 113, 114, 120, 122, 126, 128, 139, 143]
OUTPUT_SCHEMA = json.loads(SCHEMA_PATH.read_text())


def test_the_course_example_lints_with_the_courses_table(course_project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # wide enough for the whole table; narrower terminals: see below
    code, out = run_cli("check", f"faces_cubes/training/{NET}", "--ram", "8GiB")
    assert code == 0, out
    table = out[out.index("Changes against") :].splitlines()
    assert table[0] == f"Changes against pre-trained/{NET}/pipeline.config (13):"
    assert table[1].split() == ["Line", "(original)", "Line", "Parameter", "Description", "Initial", "value", "Value"]
    rows = [line.split()[:2] for line in table[3:16]]
    assert rows == [[str(n), str(n)] for n in COURSE_LINES]
    assert "num_classes" in table[3] and '"detection"' in table[9]
    assert out.rstrip().splitlines()[-1].startswith("== 0 errors, 1 warning")  # the schedule: one cause


def test_the_committed_example_is_what_its_generator_makes(tmp_path):
    config = EXAMPLE / "tod_tf2" / CONFIG
    from support.projects import example_module

    module = example_module()
    original = (EXAMPLE / "tod_tf2" / "pre-trained" / NET / "pipeline.config").read_text()
    assert module.apply_edits(original, module.course_edits()) == config.read_text()


def test_json_output_follows_its_schema_and_lists_the_diff(course_project):
    code, document = lint_json()
    jsonschema.validate(document, OUTPUT_SCHEMA)
    assert [row["original_line"] for row in document["diff"]] == COURSE_LINES
    assert document["diff"][0] == {
        "field": "model.faster_rcnn.num_classes",
        "original_line": 10,
        "line": 10,
        "original": "90",
        "value": "2",
    }
    assert document["schema"]["kind"] == "installed"


def test_json_output_with_errors_and_with_a_syntax_error_follows_the_schema(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    code, document = lint_json()
    jsonschema.validate(document, OUTPUT_SCHEMA)
    assert code == 1 and document["findings"][0]["field"] == "model.faster_rcnn.num_classes"
    config.write_text(config.read_text().replace("num_classes: 1", "num_clases: 1"))
    code, document = lint_json()
    jsonschema.validate(document, OUTPUT_SCHEMA)
    assert code == 2 and document["findings"][0]["rule"] == "PC001"


def test_a_finding_line_has_path_line_column_code_severity_field_and_fix(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace('checkpoint/ckpt-0"', 'checkpoint"'))
    code, out = run_cli("check", CONFIG, "--no-diff")
    assert code == 1
    # the message names the field, which the line and column point at: its dotted path is for -v and the JSON
    assert (
        f"{CONFIG}:110:3: PC301 error fine_tune_checkpoint is a folder; "
        f"TensorFlow needs the checkpoint prefix: pre-trained/{NET}/checkpoint/ckpt-0"
    ) in out
    assert f'    fix: write fine_tune_checkpoint: "pre-trained/{NET}/checkpoint/ckpt-0"' in out
    verbose = run_cli("check", CONFIG, "--no-diff", "-v")[1]
    assert f"{CONFIG}:110:3: PC301 error train_config.fine_tune_checkpoint: fine_tune_checkpoint is a folder" in verbose


def test_a_syntax_error_exits_2_with_position_and_no_traceback(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_clases: 2"))
    result = pipecheck(CONFIG, cwd=clean_project)
    assert result.returncode == 2
    assert f"{CONFIG}:10:5: PC001 error" in result.stdout and "did you mean num_classes?" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_file_that_is_not_utf8_exits_2_with_its_position(clean_project):
    config = clean_project / CONFIG
    config.write_bytes(config.read_bytes().replace(b"# Trained on COCO", b"# Entra\xeen\xe9 sur COCO"))
    result = pipecheck(CONFIG, cwd=clean_project)
    assert result.returncode == 2 and f"{CONFIG}:2:8: PC001 error byte 0xee is not UTF-8" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "nowhere"], "nowhere: no such file or folder"),
        (["check", CONFIG, "--ram", "lots"], "--ram: not a size"),
        (["check", CONFIG, "--root", "nowhere"], "--root nowhere: not a folder"),
        (["check", CONFIG, "--format", "yaml"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2(clean_project, args, message):
    result = pipecheck(*args, cwd=clean_project)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_an_unreadable_config_exits_2(clean_project):
    config = clean_project / CONFIG
    if os.geteuid() == 0:  # root reads anything: a link to nowhere is the unreadable file then
        config.unlink()
        config.symlink_to(clean_project / "gone.config")
        expected = "no such file or folder"
    else:
        config.chmod(0)
        expected = "Permission denied"
    result = pipecheck(CONFIG, cwd=clean_project)
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr


def test_warnings_fail_only_with_strict(course_project):
    assert run_cli("check", CONFIG)[0] == 0
    assert run_cli("check", CONFIG, "--strict")[0] == 1


def test_neither_import_nor_a_whole_lint_imports_tensorflow(course_project, tmp_path):
    trap = tmp_path / "trap"
    (trap / "tensorflow").mkdir(parents=True)
    (trap / "tensorflow" / "__init__.py").write_text("raise SystemExit('pipecheck imported tensorflow')\n")
    script = (
        "import sys, pipecheck; from pipecheck.cli.main import main; code = main(sys.argv[1:]); "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'object_detection')]; "
        "sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "check", CONFIG, "--format", "json"],
        cwd=course_project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(trap)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["errors"] == 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("zoo", sorted(CORPUS.glob("*.config")) if CORPUS.is_dir() else [], ids=lambda p: p.name)
def test_every_zoo_config_lints_without_crashing(zoo, clean_project):
    """Copied over the course config as a user would: findings, with a clean syntax error or not, never a crash."""
    (clean_project / CONFIG).write_text(zoo.read_text())
    code, document = lint_json()
    jsonschema.validate(document, OUTPUT_SCHEMA)
    assert code in (1, 2), document["undecided"]
    syntax = [f for f in document["findings"] if f["rule"] == "PC001"]
    assert (code == 2) == bool(syntax) == document["summary"]["partial"]
    assert all(f["hint"] for f in syntax)
    assert "PC201" in {f["rule"] for f in document["findings"]}  # every zoo file has placeholders


def test_the_diff_compares_floats_as_the_proto_stores_them(course_project):
    config = course_project / CONFIG
    config.write_text(
        config.read_text().replace("momentum_optimizer_value: 0.9", "momentum_optimizer_value: 0.89999998")
    )
    assert [row["original_line"] for row in lint_json()[1]["diff"]] == COURSE_LINES
    config.write_text(
        config.read_text().replace("momentum_optimizer_value: 0.89999998", "momentum_optimizer_value: 0.8999")
    )
    assert 108 in [row["original_line"] for row in lint_json()[1]["diff"]]


@pytest.mark.parametrize("columns", ["80", "100", "120"])
def test_findings_and_the_table_fit_the_terminal(course_project, monkeypatch, columns):
    from pipecheck.report.table import display_width

    monkeypatch.setenv("COLUMNS", columns)
    code, out = run_cli("check", f"faces_cubes/training/{NET}", "--ram", "8GiB")
    too_wide = [
        line
        for line in out.splitlines()
        if display_width(line) > int(columns)
        and not line.startswith(
            ("faces_cubes/", "    train_config.optimizer", "pipecheck ", "original  ", "Changes against ")
        )
    ]  # locations, paths and fields stay whole
    assert code == 0 and not too_wide, too_wide
    table = out[out.index("Changes against") :].splitlines()
    assert [line.split()[:2] for line in table[3:16]] == [[str(n), str(n)] for n in COURSE_LINES]
    assert "…" in out  # long values shortened in the middle, their start and end kept
    checkpoint_row = next(line for line in table if line.startswith("113"))
    assert checkpoint_row.split()[-1].startswith('"p') and checkpoint_row.endswith('0"'), checkpoint_row


def test_the_json_keeps_long_values_whole(course_project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    document = json.loads(run_cli("check", f"faces_cubes/training/{NET}", "--ram", "8GiB", "--format", "json")[1])
    values = {row["value"] for row in document["diff"]}
    assert f'"pre-trained/{NET}/checkpoint/ckpt-0"' in values
    assert all("…" not in f["message"] for f in document["findings"])


def test_without_a_terminal_or_columns_the_width_is_100(monkeypatch):
    from pipecheck.report.table import terminal_width

    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_width(io.StringIO()) == 100
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width(io.StringIO()) == 72
