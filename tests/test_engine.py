"""The engine: selection, settings, suppressions, user rules and plugins, outcomes and exit codes."""

import sys
import textwrap

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG, replace_once

USER_RULE = '''
from pipecheck import Finding, cannot_decide, fixture, rule


@fixture
def class_names(label_map):
    """The label map's class names."""
    return [item.name for item in label_map.items]


@rule("ACME101", "classes-are-lower-case", category="acme", severity="warning")
def classes_are_lower_case(class_names, config):
    """Class names are lower case (our records are)."""
    for name in class_names:
        if name != name.lower():
            yield Finding(f"class {name!r} is not lower case", field="train_input_reader.label_map_path")


@rule("ACME102", "never-decides", category="acme")
def never_decides(config):
    """Shows the third outcome."""
    cannot_decide("nothing to look at")
'''


def user_rules(root, source=USER_RULE, folder="acme_rules"):
    (root / folder).mkdir()
    (root / folder / "acme.py").write_text(source)
    (root / "pipecheck.toml").write_text(f'rules_dirs = ["{folder}"]\n')


def rules_run(document) -> set:
    return {f["rule"] for f in document["findings"]} | {u["rule"] for u in document["undecided"]}


def test_a_clean_project_has_no_finding_at_all(clean_project):
    code, document = lint_json()
    assert code == 0
    # the notes a reviewer always gets: RAM for the batch, boxes per class in each split
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [
        ("PC402", "info"),
        ("PC717", "info"),
        ("PC717", "info"),
    ]
    assert document["summary"]["rules"] >= 45


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("PC101", {"PC101"}),
        ("PC10", {"PC101"}),
        ("num-classes-matches-label-map", {"PC101"}),
        ("label-map", {"PC101"}),
    ],
)
def test_rules_are_selected_by_code_prefix_name_or_category(clean_project, selector, expected):
    (clean_project / CONFIG).write_text(
        (clean_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 1")
    )
    code, document = lint_json("--select", selector)
    assert {f["rule"] for f in document["findings"]} == expected
    assert code == 1


def test_ignore_removes_rules(clean_project):
    (clean_project / CONFIG).write_text(
        (clean_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 1")
    )
    code, document = lint_json("--ignore", "PC101,machine,PC717")
    assert code == 0 and not document["findings"]


def test_settings_in_pyproject_select_and_override_severity(clean_project):
    (clean_project / "pyproject.toml").write_text(
        textwrap.dedent("""
        [project]
        name = "faces-cubes"

        [tool.pipecheck]
        ignore = ["PC402", "PC717"]
        severity = { PC101 = "warning" }
        strict = false
    """)
    )
    (clean_project / CONFIG).write_text(
        (clean_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 1")
    )
    code, document = lint_json()
    assert code == 0
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("PC101", "warning")]
    assert lint_json("--strict")[0] == 1


def test_an_unknown_setting_is_an_error_with_file_line_and_did_you_mean(clean_project, capsys):
    (clean_project / "pipecheck.toml").write_text('select = ["ALL"]\nignroe = ["PC402"]\n')
    code, _ = run_cli("check", CONFIG)
    error = capsys.readouterr().err
    assert code == 2
    assert "pipecheck.toml:2: unknown setting 'ignroe'; did you mean 'ignore'?" in error
    assert "Traceback" not in error


def test_a_badly_typed_setting_is_an_error(clean_project, capsys):
    (clean_project / "pipecheck.toml").write_text("ram = 8\n")
    assert run_cli("check", CONFIG)[0] == 2
    assert "pipecheck.toml:1: ram" in capsys.readouterr().err


def test_user_rules_and_fixtures_load_like_built_in_ones(clean_project):
    user_rules(clean_project)
    label_map = clean_project / "faces_cubes/training/label_map.pbtxt"
    label_map.write_text(label_map.read_text().replace("'one'", "'One'"))
    code, document = lint_json()
    assert "ACME101" in {f["rule"] for f in document["findings"]}
    assert {"rule": "ACME102", "name": "never-decides", "reason": "nothing to look at"} in document["undecided"]


def test_a_misspelt_fixture_gets_a_did_you_mean(clean_project, capsys):
    user_rules(
        clean_project,
        USER_RULE.replace("def classes_are_lower_case(class_names", "def classes_are_lower_case(class_name"),
    )
    assert run_cli("check", CONFIG)[0] == 2
    assert "unknown fixture 'class_name'; did you mean 'class_names'?" in capsys.readouterr().err


def test_a_rule_file_that_does_not_import_is_reported_with_its_line(clean_project, capsys):
    user_rules(clean_project, "x = 1\ndef broken(:\n")
    assert run_cli("check", CONFIG)[0] == 2
    assert "acme.py:2: cannot load rules: SyntaxError" in capsys.readouterr().err


def test_two_rules_with_one_code_clash(clean_project, capsys):
    user_rules(clean_project, USER_RULE.replace('"ACME101"', '"PC101"'))
    assert run_cli("check", CONFIG)[0] == 2
    assert "clashes with" in capsys.readouterr().err


def test_a_crashing_rule_is_an_internal_error_without_traceback(clean_project):
    user_rules(
        clean_project,
        "from pipecheck import rule\n\n@rule('ACME001', 'crashes', category='acme')\n"
        "def crashes(config):\n    '''Always crashes.'''\n    return 1 / 0\n",
    )
    code, document = lint_json()
    assert code == 3
    crashed = [u for u in document["crashed"] if u["rule"] == "ACME001"][0]
    assert "ZeroDivisionError" in crashed["reason"] and "acme.py:6" in crashed["reason"]
    assert not [u for u in document["undecided"] if u["rule"] == "ACME001"]  # a crash is not "cannot decide"


def test_plugins_come_from_the_entry_point_group(clean_project, monkeypatch):
    site = clean_project / "site"
    (site / "acme_plugin").mkdir(parents=True)
    (site / "acme_plugin" / "__init__.py").write_text(USER_RULE)
    info = site / "acme_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pipecheck.rules]\nacme = acme_plugin\n")
    monkeypatch.syspath_prepend(str(site))
    code, document = lint_json()
    assert "ACME102" in rules_run(document)
    assert "ACME102" not in rules_run(lint_json("--no-plugins")[1])
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(site)])
    assert "ACME102" not in rules_run(lint_json()[1])


def test_a_suppression_comment_silences_its_line(clean_project):
    replace_once(clean_project / CONFIG, "num_classes: 2", "num_classes: 1  # pipecheck: ignore[PC101]")
    code, document = lint_json()
    assert code == 0 and "PC101" not in rules_run(document)
    assert [(a["rule"], a["line"], a["reason"]) for a in document["accepted"]] == [("PC101", 10, "suppressed")]


def test_a_comment_on_its_own_line_covers_the_next_line(clean_project):
    replace_once(
        clean_project / CONFIG,
        "    num_classes: 2",
        "    # pipecheck: ignore[num-classes-matches-label-map]\n    num_classes: 1",
    )
    code, document = lint_json()
    assert code == 0 and [a["rule"] for a in document["accepted"]] == ["PC101"]


def test_a_file_level_suppression_covers_every_line(clean_project):
    text = (clean_project / CONFIG).read_text()
    (clean_project / CONFIG).write_text(
        "# pipecheck: ignore-file[PC101, PC402, PC717]\n" + text.replace("num_classes: 2", "num_classes: 1")
    )
    code, document = lint_json()
    assert code == 0 and document["findings"] == []


def test_an_unused_suppression_is_reported(clean_project):
    text = (clean_project / CONFIG).read_text()
    (clean_project / CONFIG).write_text(text.replace("num_classes: 2", "num_classes: 2  # pipecheck: ignore[PC101]"))
    code, document = lint_json()
    unused = [f for f in document["findings"] if f["rule"] == "PC002"]
    assert code == 0 and len(unused) == 1 and unused[0]["line"] == 10


def test_a_suppression_for_a_rule_that_did_not_run_is_not_called_unused(clean_project):
    text = (clean_project / CONFIG).read_text()
    (clean_project / CONFIG).write_text(text.replace("num_classes: 2", "num_classes: 2  # pipecheck: ignore[PC101]"))
    assert "PC002" not in rules_run(lint_json("--ignore", "PC101")[1])


def test_suppressions_work_in_label_maps(clean_project):
    label_map = clean_project / "faces_cubes/training/label_map.pbtxt"
    label_map.write_text("item { id: 1 name: 'one' }\nitem { id: 3 name: 'two' }  # pipecheck: ignore[PC104]\n")
    (clean_project / CONFIG).write_text(
        (clean_project / CONFIG).read_text().replace("num_classes: 2", "num_classes: 3")
    )
    code, document = lint_json()
    assert "PC104" in rules_run(document)  # reported on line 1, where the comment is not
    label_map.write_text("# pipecheck: ignore-file[PC104]\nitem { id: 1 name: 'one' }\nitem { id: 3 name: 'two' }\n")
    assert "PC104" not in rules_run(lint_json()[1])


def test_a_user_fixture_that_shadows_a_builtin_is_an_error_naming_both(clean_project, capsys):
    user_rules(
        clean_project,
        "from pipecheck import fixture\n\n@fixture\ndef label_map(config):\n"
        '    """My own label map."""\n    return None\n',
    )
    code, _out = run_cli("check", CONFIG, "--ram", "16GiB")
    error = capsys.readouterr().err
    assert code == 2 and "fixture 'label_map'" in error and "shadow" in error
    assert "acme.py:3" in error and "builtin_fixtures.py:" in error


def test_fixtures_lists_every_fixture_with_its_doc(clean_project):
    code, out = run_cli("fixtures")
    assert code == 0
    names = {line.split()[0] for line in out.splitlines()[2:] if line.strip()}
    assert {"project", "settings", "options", "config", "label_map", "records", "checkpoint", "machine"} <= names
    assert "builtin_fixtures.py:" in out
