"""`%load_ext pipecheck`: the magics in an IPython shell (in this process; the real kernel is
test_notebook_kernel.py's)."""

from __future__ import annotations

import pytest
from support.projects import CONFIG, NET

pytest.importorskip("IPython")


@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shown = []
    shell = InteractiveShell.instance()
    monkeypatch.setattr("pipecheck.integrations.notebook.display", shown.append)
    shell.run_line_magic("load_ext", "pipecheck")
    shell.shown = shown
    yield shell
    InteractiveShell.clear_instance()


def test_the_line_magic_takes_the_clis_options_and_shows_a_result(shell, course_project):
    shell.run_line_magic("pipecheck", f"{CONFIG} --ram 16GiB --ignore PC5")
    [result] = shell.shown
    assert result.findings and not any(f.rule.startswith("PC5") for f in result.findings)
    assert "<table>" in result._repr_html_()


def test_the_line_magic_prints_other_formats_as_the_cli_does(shell, course_project, capsys):
    shell.run_line_magic("pipecheck", f"{CONFIG} --ram 16GiB --format json")
    assert capsys.readouterr().out.lstrip().startswith("{") and not shell.shown


def test_bad_usage_and_bad_paths_are_messages_not_tracebacks(shell, course_project, capsys):
    shell.run_line_magic("pipecheck", "--no-such-option")
    shell.run_line_magic("pipecheck", "no/such/folder")
    err = capsys.readouterr().err
    assert "the following arguments are required: PATH" in err
    assert "pipecheck: error: no/such/folder" in err and "Traceback" not in err


def test_the_cell_magic_lints_the_cell_as_that_file_and_writes_it_only_when_asked_and_clean(
    shell, course_project, capsys
):
    config = course_project / CONFIG
    before = config.read_text()
    bad = before.replace("num_classes: 2", "num_classes: 1")
    shell.run_cell_magic("pipecheck", f"{CONFIG} --ram 16GiB --write", bad)
    assert "PC101" in {f.rule for f in shell.shown[-1].findings}
    assert config.read_text() == before and "not written" in capsys.readouterr().err
    good = before.replace("num_steps: 1000", "num_steps: 1200")
    shell.run_cell_magic("pipecheck", f"{CONFIG} --ram 16GiB --write", good)
    assert config.read_text() == good
    assert (config.parent / "pipeline.config.bak").read_text() == before  # what was there is kept


def test_the_cell_magic_never_writes_outside_the_launch_root(shell, course_project, tmp_path, capsys):
    outside = tmp_path / "elsewhere" / "pipeline.config"
    outside.parent.mkdir()
    text = (course_project / CONFIG).read_text()
    shell.run_cell_magic("pipecheck", f"{outside} --ram 16GiB --write", text)
    assert not outside.exists() and "outside the launch root" in capsys.readouterr().err


def test_a_new_config_from_a_cell(shell, course_project, capsys):
    draft = f"faces_cubes/training/{NET}/draft.config"
    text = (course_project / CONFIG).read_text()
    shell.run_cell_magic("pipecheck", f"{draft} --ram 16GiB --write --ignore PC3", text)
    assert (course_project / draft).read_text() == text


def test_a_new_config_another_program_made_meanwhile_is_kept(shell, course_project, capsys, monkeypatch):
    """The file appears while the cell's is written (an editor saving it, another kernel): before, the
    rename replaced it and the magic said "wrote"; now the cell is refused and that file is kept."""
    import pipecheck.atomic as atomic

    draft = course_project / f"faces_cubes/training/{NET}/draft.config"
    real_temporary = atomic._temporary_beside

    def another_program_saves_first(path, folder):
        if path.name == "draft.config":  # the temporary file of the cell's write, not the cache's
            draft.write_text("the other program's\n")
        return real_temporary(path, folder)

    monkeypatch.setattr(atomic, "_temporary_beside", another_program_saves_first)
    text = (course_project / CONFIG).read_text()
    shell.run_cell_magic("pipecheck", f"{draft.relative_to(course_project)} --ram 16GiB --write --ignore PC3", text)
    assert draft.read_text() == "the other program's\n"
    assert "changed while pipecheck ran" in capsys.readouterr().err
