"""`pipecheck.lint(...)`: lint from Python (a notebook, a script) and get a result to look at.

    import pipecheck
    result = pipecheck.lint("faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8")
    result.ok, result.findings, result.to_json()

The same engine as `pipecheck check`, with the same options; in Jupyter the result shows
itself as HTML (findings by severity, the table of changes against the zoo original).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# config_util.get_configs_from_pipeline_file's keys -> TrainEvalPipelineConfig's fields
_CONFIGS_DICT_FIELDS = {
    "model": "model",
    "train_config": "train_config",
    "train_input_config": "train_input_reader",
    "eval_config": "eval_config",
    "eval_input_configs": "eval_input_reader",
    "graph_rewriter_config": "graph_rewriter",
}


@dataclass
class LintResult:
    """What one lint found. `findings` are those left after suppressions and the baseline."""

    run: object  # pipecheck.engine.result.RunResult

    @property
    def findings(self) -> list:
        return list(self.run.findings)

    @property
    def exit_code(self) -> int:
        return self.run.exit_code

    @property
    def ok(self) -> bool:
        """True when `pipecheck check` would exit 0: no error (nor warning with strict), the config parses."""
        return self.run.exit_code == 0

    def count(self, severity: str) -> int:
        return self.run.count(severity)

    def as_dict(self) -> dict:
        from pipecheck.report import json_report

        return json_report.document(self.run)

    def to_json(self) -> str:
        """The document `pipecheck check --format json` prints."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def to_text(self, verbose: bool = False) -> str:
        from pipecheck.report import text

        return text.render(self.run, _NotATerminal(), show_diff=True, verbose=verbose)

    def _repr_html_(self) -> str:
        from pipecheck.report.notebook_html import render

        return render(self.run)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.to_text())

    def __repr__(self) -> str:
        errors, warnings = self.count("error"), self.count("warning")
        return f"<LintResult {self.run.project.config_path.name}: {errors} errors, {warnings} warnings, ok={self.ok}>"


class _NotATerminal:
    """A stream for the text report that asks for no colours and a notebook's width."""

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("not a terminal")


def lint(
    path_or_text,
    root: str | Path | None = None,
    *,
    config_path: str | Path | None = None,
    original: str | Path | None = None,
    models_dir: str | Path | None = None,
    ram: str | None = None,
    select: list[str] | str | None = None,
    ignore: list[str] | str | None = None,
    strict: bool | None = None,
    settings: str | Path | None = None,
    plugins: bool = True,
) -> LintResult:
    """Lint a config given as a path (a training folder or its pipeline.config), as text, or as the
    message or dict `config_util` makes.

    `root` is the folder model_main_tf2.py runs from (default: the current folder), as --root.
    Text is linted as the content of `config_path` (default: `pipeline.config` in `root`), which
    need not exist: the project (layout, original, label map) is found from where it would be.
    The other options are the CLI's: --original, --models-dir, --ram, --select, --ignore,
    --strict, --settings, --no-plugins. Raises pipecheck.errors.InputError for a path that
    leads to no config.
    """
    from pipecheck.engine.runner import RunOptions, run, split_selectors

    text = _as_text(path_or_text)
    if text is None:
        target = Path(path_or_text)
    else:
        target = Path(config_path) if config_path is not None else Path(root or Path.cwd()) / "pipeline.config"
    options = RunOptions(
        target=target,
        root=Path(root) if root is not None else None,
        original=Path(original) if original is not None else None,
        models_dir=Path(models_dir) if models_dir is not None else None,
        ram=ram,
        select=split_selectors(_as_list(select)),
        ignore=split_selectors(_as_list(ignore)),
        strict=strict,
        settings_file=Path(settings) if settings is not None else None,
        plugins=plugins,
        config_text=text,
    )
    return LintResult(run(options))


def _as_list(value) -> list[str] | None:
    return [value] if isinstance(value, str) else value


def _as_text(value) -> str | None:
    """The config text `value` holds, or None when it is a path."""
    if isinstance(value, Path):
        return None
    if isinstance(value, str):
        return value if "\n" in value or "{" in value else None
    if isinstance(value, dict):
        return _configs_dict_text(value)
    if hasattr(value, "DESCRIPTOR") and hasattr(value, "ListFields"):
        from google.protobuf import text_format

        return text_format.MessageToString(value)
    raise TypeError(
        f"lint() takes a path, a config's text, a message or config_util's dict, not {type(value).__name__}"
    )


def _configs_dict_text(configs: dict) -> str:
    """config_util.get_configs_from_pipeline_file's dict written back as one pipeline.config."""
    from google.protobuf import text_format

    parts = []
    for key, field in _CONFIGS_DICT_FIELDS.items():
        value = configs.get(key)
        if value is None and key == "eval_input_configs" and configs.get("eval_input_config") is not None:
            value = [configs["eval_input_config"]]
        for message in value if isinstance(value, list | tuple) else [value] if value is not None else []:
            parts.append(f"{field} {{\n{text_format.MessageToString(message, indent=2)}}}\n")
    return "".join(parts)
