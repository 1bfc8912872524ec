"""`pipecheck.lint(...)`, the Python entry point notebooks use: what it takes, what it returns."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support.cli import lint_json
from support.projects import CONFIG, NET

import pipecheck


def test_a_path_gives_the_findings_and_the_json_of_pipecheck_check(course_project):
    result = pipecheck.lint(CONFIG, root=course_project, ram="16GiB")
    code, document = lint_json()
    assert [(f.rule, f.line) for f in result.findings] == [(f["rule"], f["line"]) for f in document["findings"]]
    assert result.exit_code == code and result.ok is (code == 0)
    mine = json.loads(result.to_json())
    assert mine["findings"] == document["findings"] and mine["diff"] == document["diff"]


def test_text_is_linted_as_the_config_it_would_be(course_project):
    text = (course_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 1")
    result = pipecheck.lint(text, config_path=CONFIG)
    assert not result.ok
    assert [(f.rule, f.line) for f in result.findings if f.rule == "PC101"] == [("PC101", 10)]
    assert (course_project / CONFIG).read_text() != text  # linted, not written


def test_a_new_config_need_not_exist_yet(course_project):
    text = (course_project / CONFIG).read_text()
    result = pipecheck.lint(text, config_path=f"faces_cubes/training/{NET}/draft.config")
    assert result.run.project.layout.startswith("course")
    assert result.run.original is not None  # found from the layout, as for the real file
    assert not (course_project / f"faces_cubes/training/{NET}/draft.config").exists()


def test_config_utils_message_and_dict_lint_as_their_text(course_project):
    """What notebooks hold after config_util.get_configs_from_pipeline_file: a message, or its dict of parts."""
    from google.protobuf import text_format

    from pipecheck.schema import load_schema

    schema = load_schema(course_project)
    message = schema.pipeline_class()
    text_format.Merge((course_project / CONFIG).read_text(), message)
    message.model.faster_rcnn.num_classes = 1
    parts = {
        "model": message.model,
        "train_config": message.train_config,
        "train_input_config": message.train_input_reader,
        "eval_config": message.eval_config,
        "eval_input_configs": list(message.eval_input_reader),
    }
    for given in (message, parts):
        result = pipecheck.lint(given, config_path=CONFIG)
        assert "PC101" in {f.rule for f in result.findings}, type(given)
        assert "PC001" not in {f.rule for f in result.findings}


def test_html_shows_findings_by_severity_and_the_table_of_changes(course_project):
    text = (course_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 1")
    result = pipecheck.lint(text, config_path=CONFIG, ram="16GiB")
    page = result._repr_html_()
    assert (
        page.index(">error</b>") < page.index("PC101") < page.index(">warning</b>") < page.index("PC501")
        and "Changes against pre-trained/" in page
    )
    assert "warmup_steps" in page and "<script" not in page
    text = result.to_text()
    assert "PC501" in text and "\x1b[" not in text


def test_html_escapes_what_the_config_holds(course_project):
    text = (course_project / CONFIG).read_text()
    hostile = text.replace(
        'label_map_path: "faces_cubes/training/label_map.pbtxt"', 'label_map_path: "<img src=x>.pbtxt"', 1
    )
    page = pipecheck.lint(hostile, config_path=CONFIG)._repr_html_()
    assert "<img" not in page and "&lt;img src=x&gt;" in page


def test_something_else_is_refused_with_a_message():
    with pytest.raises(TypeError, match="takes a path"):
        pipecheck.lint(42)


def test_import_pipecheck_stays_light():
    """No IPython, no pygls, no TensorFlow unless the magic or the server is asked for."""
    heavy = ("IPython", "pygls", "lsprotocol", "tensorflow", "ipykernel")
    code = f"import sys, pipecheck; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
