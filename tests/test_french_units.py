"""French writes sizes in octets (Kio, Mio, Gio; Mo, Go), English in bytes, never a mix; rule docs say they are
English (issue 10, item 12)."""

import importlib.util
import re
import sys

import pytest
from support.cli import run_cli
from support.projects import NET, REPO

from pipecheck.i18n import set_language
from pipecheck.odapi.machine import format_bytes, parse_size

ENGLISH_UNIT = re.compile(r"\b[0-9.}]*\s*[KMGT]i?B\b")


def _catalogue():
    spec = importlib.util.spec_from_file_location("regenerate_units", REPO / "scripts" / "regenerate.py")
    tool = importlib.util.module_from_spec(spec)
    sys.modules["regenerate_units"] = tool
    spec.loader.exec_module(tool)
    return tool.read_catalogue()


def test_no_french_message_writes_an_english_byte_unit():
    english = [
        message.id
        for message in _catalogue()
        if message.id
        and any(
            ENGLISH_UNIT.search(text)
            for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        )
    ]
    assert english == []


def test_sizes_are_written_and_read_in_both_conventions():
    set_language("fr")
    try:
        assert format_bytes(3 * 2**30) == "3.0 Gio"
    finally:
        set_language("en")
    assert format_bytes(3 * 2**30) == "3.0 GiB"
    assert parse_size("8Gio") == parse_size("8GiB") == 8 * 2**30
    assert parse_size("16 Go") == parse_size("16GB") == 16e9


@pytest.mark.parametrize("command", [["check", "-v"], ["review", "--format", "markdown"]])
def test_a_french_lint_and_review_use_gio_only(course_project, command):
    code, out = run_cli("--lang", "fr", *command, f"faces_cubes/training/{NET}", "--ram", "8Gio")
    assert code == 0
    assert "Gio" in out and not ENGLISH_UNIT.search(out.replace("8GiB", "")), ENGLISH_UNIT.findall(out)


def test_rule_documentation_says_in_french_that_it_is_english():
    code, out = run_cli("rule", "PC101", "--lang", "fr")
    assert code == 0 and "La documentation des règles n'existe qu'en anglais" in out
    code, out = run_cli("rule", "PC101")
    assert "English only" not in out
