"""Settings from `[tool.pipecheck]` in pyproject.toml or from pipecheck.toml, found upward from the root."""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.i18n import _

_RULE_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}
SETTINGS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "pipecheck settings",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": {**_RULE_LIST, "description": "rules to run: codes, code prefixes, names, categories or ALL"},
        "ignore": {**_RULE_LIST, "description": "rules not to run (same forms as select)"},
        "rules_dirs": {**_RULE_LIST, "description": "folders of your own rules, relative to this file"},
        "severity": {
            "type": "object",
            "description": 'override a rule\'s severity: {PC402 = "warning"}',
            "additionalProperties": {"enum": ["error", "warning", "info"]},
        },
        "ram": {
            "type": "string",
            "pattern": r"^\s*[0-9.]+\s*[kKmMgGtT]?i?[bB]?\s*$",
            "description": "RAM to assume for the training machine, e.g. 8GiB",
        },
        "models_dir": {"type": "string", "description": "a tensorflow/models checkout for the schema"},
        "strict": {"type": "boolean", "description": "fail (exit 1) on warnings too"},
        "plugins": {"type": "boolean", "description": "load rules from installed plugins (default true)"},
        "lang": {"enum": ["en", "fr"], "description": "language of messages"},
        "rule-options": {
            "type": "object",
            "description": "thresholds of the rules that have options: [tool.pipecheck.rule-options.PC404] max_hours = 8",
            "additionalProperties": {"type": "object"},
        },
    },
}


class SettingsError(InputError):
    """Invalid settings file (exit 2); the message names the file and line."""


@dataclass
class Settings:
    file: Path | None = None
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    rules_dirs: list[Path] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    ram: str | None = None
    models_dir: Path | None = None
    strict: bool = False
    plugins: bool = True
    lang: str | None = None
    rule_options: dict[str, dict] = field(default_factory=dict)  # rule code or name -> option -> value
    text: str = field(default="", repr=False)  # the settings file's text, to name the line of a mistake


def find_settings_file(root: Path) -> tuple[Path, bool] | None:
    """The nearest pipecheck.toml, or pyproject.toml with a [tool.pipecheck] table, upward from root."""
    for folder in [root, *root.resolve().parents]:
        own = folder / "pipecheck.toml"
        if own.is_file():
            return own, False
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(
            r"^\s*\[tool\.pipecheck[\].]", pyproject.read_text(errors="replace"), re.MULTILINE
        ):
            return pyproject, True
    return None


def load_settings(root: Path, explicit: Path | None = None) -> Settings:
    found = (Path(explicit), Path(explicit).name == "pyproject.toml") if explicit else find_settings_file(root)
    if found is None:
        return Settings()
    path, in_pyproject = found
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        from pipecheck.guarded import read_text

        text = read_text(path)
        document = tomllib.loads(text)
    except OSError as error:
        raise SettingsError(_("{path}: cannot read settings: {error}", path=path, error=error.strerror)) from None
    except UnicodeDecodeError as error:
        line = error.object.count(b"\n", 0, error.start) + 1
        raise SettingsError(
            _(
                "{path}:{line}: byte 0x{byte:02x} is not UTF-8 (TOML files are UTF-8)",
                path=path,
                line=line,
                byte=error.object[error.start],
            )
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(_("{path}: not valid TOML: {error}", path=path, error=error)) from None
    table = document.get("tool", {}).get("pipecheck", {}) if in_pyproject else document
    _validate(table, path, text)
    folder = path.parent
    return Settings(
        file=path,
        select=list(table.get("select", ["ALL"])),
        ignore=list(table.get("ignore", [])),
        rules_dirs=[(folder / d) for d in table.get("rules_dirs", [])],
        severity=dict(table.get("severity", {})),
        ram=table.get("ram"),
        models_dir=(folder / table["models_dir"]) if "models_dir" in table else None,
        strict=bool(table.get("strict", False)),
        plugins=bool(table.get("plugins", True)),
        lang=table.get("lang"),
        rule_options={key: dict(values) for key, values in table.get("rule-options", {}).items()},
        text=text,
    )


def check_rule_options(settings: Settings, rules, every_rule_loaded: bool = True) -> None:
    """Validate `rule-options` against the options the discovered rules declare (SettingsError, exit 2).

    Runs after discovery, since a user's rules_dirs and plugins declare options too; with those
    turned off (--no-plugins), options of rules that were not loaded are not judged.
    """
    if not settings.rule_options:
        return
    by_key = {key: spec for spec in rules if spec.options for key in (spec.code, spec.name)}
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            key: {"type": "object", "additionalProperties": False, "properties": spec.options}
            for key, spec in by_key.items()
        },
    }
    table = settings.rule_options
    if not every_rule_loaded:
        table = {key: values for key, values in table.items() if key in by_key}
    _validate(table, settings.file, settings.text, schema, prefix=["rule-options"])


def _validate(table: dict, path: Path, text: str, schema: dict = SETTINGS_SCHEMA, prefix: list | None = None) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(table), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    parents = [*(prefix or []), *(str(p) for p in error.absolute_path)]
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        name = sorted(set(error.instance) - set(known))[0]
        unknown = ".".join([*parents, name])
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            raise SettingsError(
                _(
                    "{path}:{line}: unknown setting {key!r}; did you mean {close!r}?",
                    path=path,
                    line=_line_of(text, name),
                    key=unknown,
                    close=close[0],
                )
            )
        raise SettingsError(
            _(
                "{path}:{line}: unknown setting {key!r}; known keys: {keys}",
                path=path,
                line=_line_of(text, name),
                key=unknown,
                keys=", ".join(known),
            )
        )
    key = str(error.absolute_path[-1]) if error.absolute_path else ""
    where = ".".join(parents) or _("settings")
    raise SettingsError(
        _("{path}:{line}: {where}: {problem}", path=path, line=_line_of(text, key), where=where, problem=error.message)
    )


def _line_of(text: str, key: str) -> int:
    """The line where `key = ` is written (or, in a table header or inline table, where it appears)."""
    if not key:
        return 1
    match = re.compile(rf"^\s*{re.escape(key)}\s*=", re.MULTILINE).search(text) or re.search(
        rf"(?<![\w-]){re.escape(key)}(?![\w-])", text
    )
    return text.count("\n", 0, match.start()) + 1 if match else 1
