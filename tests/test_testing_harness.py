"""pipecheck.testing gives a user's rules the Bad/Good harness the built-in rules use."""

import shutil

from support.projects import CONFIG

pytest_plugins = ["pytester"]

USER_RULE = '''
from pipecheck import Finding, rule


@rule("ACME101", "classes-are-lower-case", category="acme", severity="warning")
def classes_are_lower_case(label_map):
    """Class names are lower case.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'One' } item { id: 2 name: 'two' }
        expect file faces_cubes/training/label_map.pbtxt
    Good:
        file faces_cubes/training/label_map.pbtxt: item { id: 1 name: 'one' } item { id: 2 name: 'two' }
    """
    for item in label_map.items:
        if item.name != item.name.lower():
            yield Finding(f"class {item.name!r} is not lower case", file=label_map.path, line=item.line)
'''


def test_a_user_rule_runs_its_examples_through_pipecheck_testing(clean_project, tmp_path, pytester):
    rules = tmp_path / "acme_rules"
    rules.mkdir()
    (rules / "acme.py").write_text(USER_RULE)
    clean = tmp_path / "clean"
    shutil.copytree(clean_project, clean)
    (clean / "pipecheck.toml").write_text(f"rules_dirs = [{str(rules)!r}]\n")  # as a user's project says
    pytester.makepyfile(
        test_acme=f"""
import shutil
import pytest
from pipecheck.testing import example_cases, run_example

@pytest.mark.parametrize("spec, example", example_cases([{str(rules)!r}]))
def test_rule_example(spec, example, tmp_path):
    root = shutil.copytree({str(clean)!r}, tmp_path / "project")
    run_example(spec, example, root, config={CONFIG!r}, options=("--ram", "16GiB"))
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "addopts=", "-v")
    result.assert_outcomes(passed=2)
    assert "ACME101-bad" in result.stdout.str() and "ACME101-good" in result.stdout.str()


def test_a_wrong_example_fails_the_users_test(clean_project, tmp_path, pytester):
    rules = tmp_path / "acme_rules"
    rules.mkdir()
    (rules / "acme.py").write_text(USER_RULE.replace("name: 'One' }", "name: 'one' }", 1))  # the Bad is now good
    (clean_project / "pipecheck.toml").write_text(f"rules_dirs = [{str(rules)!r}]\n")
    pytester.makepyfile(
        test_acme=f"""
import pytest
from pipecheck.testing import example_cases, run_example

@pytest.mark.parametrize("spec, example", example_cases([{str(rules)!r}]))
def test_rule_example(spec, example):
    run_example(spec, example, {str(clean_project)!r}, config={CONFIG!r}, options=("--ram", "16GiB"))
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "addopts=")
    result.assert_outcomes(passed=1, failed=1)
    assert "ACME101 found nothing" in result.stdout.str()
