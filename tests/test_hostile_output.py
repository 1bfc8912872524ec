"""Hostile input, round 2 (issue 23): what pipecheck prints stays inert, whatever the project holds.

Control bytes and bidi overrides from file names and label maps are shown (␛, \\u202e) in every
human-facing format; a closed, full or non-UTF-8 stdout is an exit 2 naming the stream.
"""

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from support.cli import run_cli
from support.projects import CONFIG

PIPECHECK = [sys.executable, "-c", "import sys; from pipecheck.cli.main import main; sys.exit(main())"]
HOSTILE = "pipe\x1b[8m\x1b]0;pwned\x07\u202e\u2066line\x9b.config"


def hostile_config(root: Path) -> str:
    """A copy of the config under a name holding ESC[8m, an OSC title, bidi overrides and a C1 CSI; one error."""
    config = root / CONFIG
    copy = config.with_name(HOSTILE)
    copy.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    return str(copy.relative_to(root))


def assert_inert(text: str) -> None:
    raw = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2066"]
    assert not raw, raw
    assert "pipe␛[8m␛]0;pwned␇\\u202e\\u2066line\\u009b.config" in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "junit", "json", "sarif"])
def test_control_bytes_and_bidi_in_a_file_name_are_shown_not_obeyed(clean_project, fmt):
    code, out = run_cli("check", hostile_config(clean_project), "--format", fmt, "--ram", "16GiB")
    assert code == 1
    if fmt in ("json", "sarif"):  # they escape by themselves: no raw byte, the name intact once decoded
        assert "\x1b" not in out and "\u202e" not in out
    else:
        assert_inert(out)


@pytest.mark.parametrize("output", ["r.md", "r.html"])
def test_the_review_shows_control_bytes_and_bidi_from_a_label_map(clean_project, output):
    (clean_project / "faces_cubes/training/label_map.pbtxt").write_text(
        "item { id: 1 name: 'one\\033[8m\\033]0;pwned\\007' }\nitem { id: 2 name: '\u202etwo' }\n"
    )
    code, _out = run_cli("review", CONFIG, "-o", output, "--ram", "16GiB")
    text = (clean_project / output).read_text(encoding="utf-8")
    assert code in (0, 1)
    assert "one␛" in text and "pwned␇" in text and "u202etwo" in text  # Markdown escapes [ and \\ itself
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_colours_only_on_a_terminal_that_shows_them_and_never_from_the_input(clean_project, monkeypatch, term):
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("NO_COLOR", raising=False)
    screen = Terminal()
    with redirect_stdout(screen):
        from pipecheck.cli.main import main

        code = main(["check", hostile_config(clean_project), "--ram", "16GiB"])
    out = screen.getvalue()
    assert code == 1
    assert ("\x1b[31;1m" in out) is (term != "dumb")
    assert_inert(out.replace("\x1b[31;1m", "").replace("\x1b[0m", "").replace("\x1b[2m", "").replace("\x1b[33;1m", ""))


def run(root: Path, *args: str, stdout=subprocess.PIPE, env=None, shell_tail: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PIPECHECK, *args],
        cwd=root,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_a_closed_stdout_is_exit_2_naming_it(clean_project):
    result = subprocess.run(
        f'{" ".join(PIPECHECK[:2])} "{PIPECHECK[2]}" {CONFIG} --ram 16GiB >&-',
        shell=True,
        cwd=clean_project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "pipecheck: error: cannot write to stdout: it is closed" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_full_stdout_is_exit_2_naming_it(clean_project, fmt):
    with open("/dev/full", "w") as full:
        result = run(clean_project, CONFIG, "--ram", "16GiB", "--format", fmt, stdout=full)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "pipecheck: error: cannot write to stdout: No space left on device\n"


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_stdout_that_is_not_utf8_gets_escapes_for_what_it_cannot_show(clean_project, encoding):
    config = clean_project / CONFIG
    cat = config.with_name("\u732b \u2265 pipeline.config")  # neither cp1252 nor ASCII has 猫 or ≥
    cat.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    result = subprocess.run(
        [*PIPECHECK, str(cat.relative_to(clean_project)), "--ram", "16GiB", "-v"],
        cwd=clean_project,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    out = result.stdout.decode(encoding)
    assert "\\u732b \\u2265 pipeline.config:10:5: PC101" in out
