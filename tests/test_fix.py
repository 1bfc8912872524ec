"""`pipecheck fix`: fixes in the text, in rounds, written atomically with a backup, never on a changed file."""

import shutil
import subprocess
import sys

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET

from pipecheck.fixes.write import FileChanged, write_fixed

HUMAN_CHOICES = {"train_config.batch_size", "train_config.num_steps"}


@pytest.fixture
def zoo_copy(course_project):
    """The course project with the zoo's pipeline.config copied untouched, as `pipecheck init` leaves it."""
    shutil.copyfile(course_project / f"pre-trained/{NET}/pipeline.config", course_project / CONFIG)
    return course_project


def remaining(*args):
    from support.cli import lint_json

    code, report = lint_json(*args)
    return {(f["rule"], f["field"]) for f in report["findings"] if f["severity"] != "info"}


def test_fix_leaves_only_the_human_choices_on_the_zoo_copy(zoo_copy):
    zoo_text = (zoo_copy / CONFIG).read_text()
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 1, out  # batch_size 64 still does not fit: a person must choose it
    assert {field for _rule, field in remaining()} <= HUMAN_CHOICES
    fixed = (zoo_copy / CONFIG).read_text()
    assert "num_classes: 2" in fixed and f'"pre-trained/{NET}/checkpoint/ckpt-0"' in fixed
    assert 'fine_tune_checkpoint_type: "detection"' in fixed and "sync_replicas" not in fixed
    assert "use_bfloat16: false  # works only on TPUs" in fixed  # the user's comments stay
    assert (zoo_copy / f"{CONFIG}.bak").read_text() == zoo_text
    assert "the previous version is kept as pipeline.config.bak" in out


def test_only_the_fixed_lines_change(zoo_copy):
    before = (zoo_copy / CONFIG).read_text().splitlines()
    run_cli("fix", CONFIG, "--ram", "16GiB")
    after = (zoo_copy / CONFIG).read_text().splitlines()
    assert len(before) - len(after) == 3  # the three multi-worker lines are deleted
    kept = [line for line in before if line not in after]
    assert all(
        any(
            word in line
            for word in (
                "num_classes",
                "sync_replicas",
                "startup_delay",
                "replicas_to",
                "fine_tune_checkpoint",
                "use_bfloat16",
                "label_map_path",
                "input_path",
            )
        )
        for line in kept
    ), kept


def test_diff_prints_the_patch_and_writes_nothing(zoo_copy):
    before = (zoo_copy / CONFIG).read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "pipecheck", "fix", CONFIG, "--diff", "--ram", "16GiB"],
        capture_output=True,
        text=True,
        cwd=zoo_copy,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"--- a/{CONFIG}\n+++ b/{CONFIG}\n")
    assert "-    num_classes: 90\n+    num_classes: 2\n" in result.stdout
    assert "would fix line 10  model.faster_rcnn.num_classes: 90 → 2  (PC101)" in result.stderr
    assert "fixed" not in result.stderr and "fixes applied" not in result.stderr  # nothing was
    assert result.stderr.rstrip().endswith("fixes would be applied; nothing was written (--diff)")
    assert (zoo_copy / CONFIG).read_bytes() == before
    assert not (zoo_copy / f"{CONFIG}.bak").exists()
    patched = subprocess.run(
        ["patch", "-p1", "--dry-run"], input=result.stdout, capture_output=True, text=True, cwd=zoo_copy
    )
    assert patched.returncode == 0, patched.stdout + patched.stderr


def test_unsafe_fixes_need_the_flag(zoo_copy):
    run_cli("fix", CONFIG, "--ram", "16GiB")
    assert "batch_size: 64" in (zoo_copy / CONFIG).read_text()
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB", "--unsafe")
    assert "train_config.batch_size: 64 → 4  (PC402)" in out  # RAM allows 12, the 16 records 4
    assert ("PC402", "train_config.batch_size") not in remaining("--ram", "16GiB")
    assert (zoo_copy / f"{CONFIG}.bak2").exists()  # the first backup is never replaced


def test_a_fixed_config_has_nothing_left_to_fix(clean_project):
    before = (clean_project / CONFIG).read_bytes()
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 0 and "nothing to fix" in out
    assert (clean_project / CONFIG).read_bytes() == before
    assert not (clean_project / f"{CONFIG}.bak").exists()


def test_rules_that_disagree_leave_the_field_alone(clean_project):
    (clean_project / "my_rules").mkdir()
    (clean_project / "my_rules" / "three.py").write_text(
        "from pipecheck import Finding, rule\n\n"
        "@rule('XX101', 'three-classes', category='mine', fix='safe')\n"
        "def three_classes(config):\n"
        "    '''Wants three classes.'''\n"
        "    return Finding('three', field='model.faster_rcnn.num_classes', replacement='3')\n"
    )
    (clean_project / "pipecheck.toml").write_text('rules_dirs = ["my_rules"]\n')
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert "model.faster_rcnn.num_classes: rules disagree (2 (PC101), 3 (XX101)): choose by hand" in out
    assert "num_classes: 1" in config.read_text()


def test_suppressed_findings_are_not_fixed(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1  # pipecheck: ignore[PC101]"))
    run_cli("fix", CONFIG, "--ram", "16GiB")
    assert "num_classes: 1  # pipecheck: ignore[PC101]" in config.read_text()


def test_an_unparseable_config_is_reported_not_fixed(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 2 }"))
    before = config.read_bytes()
    code, out = run_cli("fix", CONFIG)
    assert code == 2 and "PC001" in out
    assert config.read_bytes() == before


def test_a_file_changed_since_it_was_read_is_left_alone(tmp_path):
    path = tmp_path / "pipeline.config"
    path.write_text("num_steps: 2\n")
    with pytest.raises(FileChanged):
        write_fixed(path, b"num_steps: 1\n", "num_steps: 3\n")
    assert path.read_text() == "num_steps: 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.config"]


def test_a_file_changed_during_the_lint_is_left_alone(clean_project, monkeypatch):
    import pipecheck.fixes as fixes

    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    real = fixes.fix_config

    def edited_meanwhile(*args, **kwargs):
        outcome = real(*args, **kwargs)
        config.write_text(config.read_text() + "\n# saved from the editor\n")
        return outcome

    monkeypatch.setattr(fixes, "fix_config", edited_meanwhile)
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 2
    assert config.read_text().endswith("# saved from the editor\n") and "num_classes: 1" in config.read_text()
    assert not (clean_project / f"{CONFIG}.bak").exists()


def test_a_file_changed_just_before_the_rename_is_left_alone(tmp_path, monkeypatch):
    import pipecheck.fixes.write as write

    path = tmp_path / "pipeline.config"
    path.write_text("num_steps: 1\n")
    real_backup = write._write_backup

    def backup_then_the_editor_saves(source, destination, content, folder):
        real_backup(source, destination, content, folder)
        path.write_text("num_steps: 2\n")

    monkeypatch.setattr(write, "_write_backup", backup_then_the_editor_saves)
    with pytest.raises(FileChanged):
        write_fixed(path, b"num_steps: 1\n", "num_steps: 3\n")
    assert path.read_text() == "num_steps: 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.config"]  # no backup, no temporary file


def test_windows_line_endings_are_kept(tmp_path):
    path = tmp_path / "pipeline.config"
    path.write_bytes(b"a: 1\r\nb: 2\r\n")
    backup = write_fixed(path, b"a: 1\r\nb: 2\r\n", "a: 1\r\nb: 3\r\nc: 4\n")
    assert path.read_bytes() == b"a: 1\r\nb: 3\r\nc: 4\r\n"
    assert backup.read_bytes() == b"a: 1\r\nb: 2\r\n"


def test_backups_are_numbered_and_never_replaced(tmp_path):
    path = tmp_path / "pipeline.config"
    path.write_text("a: 1\n")
    first = write_fixed(path, b"a: 1\n", "a: 2\n")
    second = write_fixed(path, b"a: 2\n", "a: 3\n")
    assert (first.name, second.name) == ("pipeline.config.bak", "pipeline.config.bak2")
    assert (first.read_text(), second.read_text(), path.read_text()) == ("a: 1\n", "a: 2\n", "a: 3\n")
