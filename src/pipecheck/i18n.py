"""Messages in English or French (the course is French), through gettext catalogues.

Every user-facing string is written `_("template with {names}", names=...)` or
`n_("{count} box", "{count} boxes", count)`: the English template is the message id, the
French catalogue (locale/fr/LC_MESSAGES/pipecheck.po, compiled to .mo) gives its translation,
and the values are filled in after translating. The language comes from --lang, the `lang`
setting, or the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "pipecheck"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "fr")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def language_from_environment() -> str:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            code = value.split(":")[0].split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def set_language(code: str | None) -> str:
    """Use `code` (en or fr), or the environment's language when None; returns the one in use."""
    global _translation, _language
    chosen = code or language_from_environment()
    if chosen not in LANGUAGES:
        chosen = "en"
    if chosen == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[chosen], fallback=True)
    _language = chosen
    return chosen


def language() -> str:
    return _language


def _(message: str, **values) -> str:
    """The message in the current language, with its {placeholders} filled ({{ and }} are braces)."""
    return _translation.gettext(message).format(**values)


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; translate it with _() where it is shown."""
    return message


def n_(singular: str, plural: str, count: int, **values) -> str:
    return _translation.ngettext(singular, plural, count).format(count=count, **values)
