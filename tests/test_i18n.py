"""Every user-facing message exists in English and in French; --lang and the locale choose."""

import importlib.util
import json
import re
import sys

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET, REPO

spec = importlib.util.spec_from_file_location("regenerate", REPO / "scripts" / "regenerate.py")
regenerate = importlib.util.module_from_spec(spec)
sys.modules["regenerate"] = regenerate
spec.loader.exec_module(regenerate)
TEMPLATE, PROBLEMS = regenerate.extract()
CATALOGUE = regenerate.read_catalogue()
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def test_messages_are_literals_the_catalogue_can_hold():
    assert PROBLEMS == []
    assert len(TEMPLATE) > 500


@pytest.mark.parametrize("message", [m for m in TEMPLATE if m.id], ids=lambda m: str(m.id)[:60])
def test_every_message_has_a_french_translation_with_the_same_placeholders(message):
    entry = CATALOGUE.get(message.id)
    strings = entry.string if entry is not None and isinstance(entry.string, tuple) else [getattr(entry, "string", "")]
    assert entry is not None and all(strings), f"untranslated: {message.id!r} ({message.locations[0][0]})"
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    for translation in strings:
        assert placeholders(translation) in [placeholders(i) for i in ids]


def test_the_catalogue_and_the_rule_docs_are_up_to_date():
    stale = [
        path
        for path, data in {
            regenerate.PO: regenerate.po_text(regenerate.updated_catalogue()[0]),
            regenerate.MO: regenerate.compiled(CATALOGUE),
        }.items()
        if path.read_bytes() != data
    ]
    assert not stale, f"{stale} are stale: run python scripts/regenerate.py"


def test_lang_fr_translates_findings_summary_and_table(course_project):
    code, out = run_cli("--lang", "fr", "check", CONFIG, "--ram", "8GiB")
    assert code == 0
    assert "PC509 avertissement" in out and "    ligne 105 : PC501 " in out  # the schedule's parts, one line each
    verbose = run_cli("--lang", "fr", "check", CONFIG, "--ram", "8GiB", "-v")[1]
    assert "l'entraînement se termine pendant l'échauffement" in verbose
    assert "Modifications par rapport à" in out and "Ligne (originale)" in out
    assert out.rstrip().splitlines()[-1].startswith("== 0 erreur, 1 avertissement")


def test_the_locale_chooses_french(course_project, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    assert "avertissement" in run_cli("check", CONFIG, "--ram", "8GiB")[1]
    assert "warning" in run_cli("--lang", "en", "check", CONFIG, "--ram", "8GiB")[1]


def test_the_lang_setting_chooses_french(course_project, monkeypatch):
    monkeypatch.delenv("LANG", raising=False)
    (course_project / "pipecheck.toml").write_text('lang = "fr"\n')
    assert "avertissement" in run_cli("check", CONFIG, "--ram", "8GiB")[1]


def test_both_languages_report_the_same_findings(course_project):
    english = json.loads(run_cli("--lang", "en", "check", CONFIG, "--format", "json", "--ram", "8GiB")[1])
    french = json.loads(run_cli("--lang", "fr", "check", CONFIG, "--format", "json", "--ram", "8GiB")[1])
    where = [(f["rule"], f["line"], f["field"]) for f in english["findings"]]
    assert where == [(f["rule"], f["line"], f["field"]) for f in french["findings"]]
    assert [f["message"] for f in english["findings"]] != [f["message"] for f in french["findings"]]


def test_the_review_page_is_in_french(course_project):
    code, out = run_cli("--lang", "fr", "review", f"faces_cubes/training/{NET}", "--ram", "8GiB")
    assert '<html lang="fr">' in out and "Relecture" in out and "Validation" in out and "Époques" in out


def test_syntax_errors_are_translated_too(clean_project):
    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_clases: 2"))
    code, out = run_cli("--lang", "fr", "check", CONFIG)
    assert code == 2 and "vouliez-vous dire num_classes ?" in out
