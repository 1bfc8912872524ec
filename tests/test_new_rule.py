"""Adding a rule touches what CONTRIBUTING.md says it touches, and nothing else.

A throwaway rule goes into a copy of the repository as a new contributor would write it; the steps
CONTRIBUTING.md gives are followed (regenerate, write the French, regenerate again, a changelog
line); then the files git sees changed must be exactly the guide's list, and the documentation
tests and the rule's own examples must pass in the copy.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
from support.projects import REPO

CODE, MODULE = "PC199", "rules/label_map_use.py"  # a code no helper is allotted, in that module's CODES
MESSAGE = "class name {name} has {length} characters, 40 or more"
FRENCH = "le nom de classe {name} a {length} caractères, 40 ou plus"
THROWAWAY = f'''

@rule("{CODE}", "class-names-short", category="label-map")
def class_names_short(label_map):
    """Every class name in the label map is shorter than 40 characters.

    Catalogue: L-05

    Why: a throwaway rule for tests/test_new_rule.py, written as a new contributor would write
    one; it never leaves the temporary copy of the repository.

    Bad:
        file faces_cubes/training/label_map.pbtxt: item {{ id: 1 name: 'one_of_the_two_faces_of_the_cubes_on_the_table' }} item {{ id: 2 name: 'two' }}
    Good:
        file faces_cubes/training/label_map.pbtxt: item {{ id: 1 name: 'one' }} item {{ id: 2 name: 'two' }}
    """
    for item in label_map.items:
        if len(item.name) >= 40:
            line, column = label_map.item_location(item.index, "name")
            yield Finding(
                _("{MESSAGE}", name=item.name, length=len(item.name)),
                file=label_map.path,
                line=line,
                column=column,
            )
'''


def guide_list() -> list[str]:
    """The files CONTRIBUTING.md says a new rule touches, with this rule's module and code put in."""
    text = (REPO / "CONTRIBUTING.md").read_text()
    block = text[text.index("<!-- files-a-new-rule-touches -->") : text.index("<!-- end -->")]
    files = re.findall(r"^\* `([^`]+)`", block, re.M)
    return sorted(f.replace("rules/<module>.py", MODULE).replace("<CODE>", CODE) for f in files)


def run(command: list[str], cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """The repository's files (tracked and new, as they are now) in a git repository of their own."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    root = tmp_path_factory.mktemp("repository") / "pipecheck"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "before the new rule"]):
        subprocess.run([*git, *step], cwd=root, check=True, capture_output=True)
    return root


def test_a_new_rule_touches_exactly_the_files_the_guide_lists(copy):
    assert CODE not in {spec.code for spec in _rules()}, f"{CODE} exists now: pick another throwaway code"
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CI", None)  # the copy's own tests decide nothing about tools
    with open(copy / MODULE, "a", encoding="utf-8") as module:
        module.write(THROWAWAY)

    first = run([sys.executable, "scripts/regenerate.py"], copy, env)
    assert first.returncode == 1 and f"no French translation yet: {MESSAGE!r}" in first.stderr, first.stderr
    po = copy / "src/pipecheck/locale/fr/LC_MESSAGES/pipecheck.po"
    text = po.read_text(encoding="utf-8")
    entry = f'msgid "{MESSAGE}"\nmsgstr ""\n'
    assert entry in text
    po.write_text(text.replace(entry, f'msgid "{MESSAGE}"\nmsgstr "{FRENCH}"\n'), encoding="utf-8")
    second = run([sys.executable, "scripts/regenerate.py"], copy, env)
    assert second.returncode == 0, second.stdout + second.stderr
    changelog = copy / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text().replace(
            "### Added\n\n", f"### Added\n\n- {CODE} class-names-short: class names under 40 characters.\n", 1
        )
    )

    status = run(["git", "status", "--porcelain", "--untracked-files=all"], copy, env).stdout
    changed = sorted(line[3:] for line in status.splitlines())
    assert changed == guide_list(), f"changed: {changed}\nCONTRIBUTING.md lists: {guide_list()}"

    page = (copy / "docs" / "rules" / f"{CODE}.md").read_text()
    assert "name: 'one_of_the_two_faces_of_the_cubes_on_the_table'" in page and "file faces_cubes" not in page
    assert FRENCH in (copy / "docs" / "fr" / "messages.md").read_text()

    tests = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_site.py",
            "tests/test_rule_docs.py",
            "tests/test_i18n.py",
            "tests/test_rules_wing.py",
            "tests/test_rule_examples.py",
            "-k",
            f"not test_rule_example or {CODE}",
        ],
        copy,
        env,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", tests.stdout) and " failed" not in tests.stdout


def _rules():
    from pipecheck.engine.discovery import discover

    return discover([], plugins=False).rules
