"""The fixtures every rule can ask for. Loaded like any plugin module, before the rules.

`project`, `settings` and `options` are given by the run; the rest are computed on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipecheck.engine.findings import Finding
from pipecheck.engine.fixtures import FatalInput
from pipecheck.engine.registry import cannot_decide, fixture
from pipecheck.i18n import _
from pipecheck.project import is_remote
from pipecheck.textproto import TextProtoSyntaxError

# What the run gives every rule and fixture before anything is computed.
GIVEN = {
    "project": "The launch root, the layout, the config's path, the original zoo config found (Project).",
    "settings": "The [tool.pipecheck] settings in force (Settings).",
    "options": "The run's options: target, root, ram, select/ignore, progress callback (RunOptions).",
}


@dataclass
class LoadProblem:
    """A file named by the config that exists but cannot be read or parsed."""

    path: Path
    message: str
    line: int = 1
    column: int = 1
    hint: str | None = None


@fixture
def schema(project, options):
    """The OD API message types (TrainEvalPipelineConfig, StringIntLabelMap) in use."""
    from pipecheck.schema import load_schema

    return load_schema(project.root, options.models_dir)


@fixture
def config(project, schema, options, project_files):
    """The edited pipeline.config: message, field locations and shortcuts (PipelineConfig)."""
    from pipecheck.artifacts.pipeline_config import load_pipeline_config
    from pipecheck.project.relocate import relocate

    text = options.config_text
    try:
        loaded = load_pipeline_config(
            project.config_path,
            schema.pipeline_class,
            read_text(project.config_path) if text is None else text,
            recover=True,  # the runner reports every syntax error and runs the rules on what parsed
        )
    except TextProtoSyntaxError as error:
        raise FatalInput(syntax_finding(project.config_path, error)) from None
    relocate(project, loaded, project_files)  # before any fixture opens a file the config names
    return loaded


@fixture
def original(project, config, schema):
    """The zoo pipeline.config the edited one was copied from, or None when none is found."""
    from pipecheck.artifacts.pipeline_config import load_pipeline_config

    for candidate in project.original_candidates(config.train.fine_tune_checkpoint):
        try:
            return load_pipeline_config(candidate, schema.pipeline_class, read_text(candidate))
        except TextProtoSyntaxError as error:
            project.notes.append(
                _(
                    "original {path} does not parse ({line}:{column}: {problem})",
                    path=project.display(candidate),
                    line=error.line,
                    column=error.column,
                    problem=error.message,
                )
            )
        except FatalInput as error:
            project.notes.append(
                _("original {path}: {problem}", path=project.display(candidate), problem=error.finding.message)
            )
    return None


@fixture
def label_maps(config, project, schema, options) -> dict:
    """Every label map the input readers name: {label_map_path value: LabelMap or LoadProblem}."""
    from pipecheck.artifacts.label_map import load_label_map
    from pipecheck.guarded import exists, problem_with

    unsaved = {Path(p).absolute(): text for p, text in (options.unsaved or {}).items()}
    loaded: dict = {}
    for _path, reader in config.input_readers():
        value = reader.label_map_path
        if not value or value in loaded or is_remote(value):
            continue
        path = project.resolve(value)
        if path.absolute() in unsaved:
            try:
                loaded[value] = load_label_map(path, schema.label_map_class, unsaved[path.absolute()])
            except TextProtoSyntaxError as error:
                loaded[value] = LoadProblem(path, error.message, error.line, error.column, error.hint)
            continue
        if not exists(path):
            problem = problem_with(path)
            if problem is not None:  # a name too long, a symlink loop: PC202 cannot see it as missing
                loaded[value] = LoadProblem(path, _("cannot read the label map: {error}", error=problem))
            continue
        try:
            loaded[value] = load_label_map(path, schema.label_map_class)
        except TextProtoSyntaxError as error:
            loaded[value] = LoadProblem(path, error.message, error.line, error.column, error.hint)
        except UnicodeDecodeError as error:
            loaded[value] = _undecodable_label_map(path, error)
        except OSError as error:
            loaded[value] = LoadProblem(
                path, _("cannot read the label map: {error}", error=getattr(error, "strerror", None) or error)
            )
    return loaded


@fixture
def label_map(config, label_maps):
    """The training label map (train_input_reader.label_map_path), parsed."""
    value = config.train_input.label_map_path
    if not value:
        cannot_decide(_("train_input_reader has no label_map_path"))
    if is_remote(value):
        cannot_decide(_("the label map is remote ({path})", path=value))
    loaded = label_maps.get(value)
    if loaded is None:
        cannot_decide(_("the label map {path} does not exist from the launch root", path=value))
    if isinstance(loaded, LoadProblem):
        cannot_decide(_("the label map {path} does not parse", path=value))
    return loaded


@fixture
def project_files(project):
    """Label maps, records and checkpoints found under the launch root (to suggest paths)."""
    from pipecheck.project.files import scan

    if project.files is None:
        project.files = scan(project.root)
    return project.files


@fixture
def machine(options, settings):
    """The training machine: RAM (or --ram), CPU cores, GPUs."""
    from pipecheck.odapi.machine import current_machine

    return current_machine(options.ram or settings.ram)


def _undecodable_label_map(path: Path, error: UnicodeDecodeError) -> LoadProblem:
    """Where the label map stops being UTF-8 (label_map_util reads it whole, comments included)."""
    from pipecheck.guarded import TEXT_LIMIT, read_bytes
    from pipecheck.textproto.encoding import undecodable

    line, column, message, hint = undecodable(read_bytes(path, TEXT_LIMIT), error.start)
    return LoadProblem(path, message, line, column, hint)


def read_text(path: Path) -> str:
    """A config's text; undecodable bytes become a syntax finding with their line and column."""
    from pipecheck.guarded import TEXT_LIMIT, read_bytes

    data = read_bytes(Path(path), TEXT_LIMIT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        from pipecheck.textproto.encoding import undecodable

        line, column, message, hint = undecodable(data, error.start)
        raise FatalInput(Finding(message, file=path, line=line, column=column, hint=hint, severity="error")) from None


def syntax_finding(path: Path, error: TextProtoSyntaxError) -> Finding:
    message = error.message
    if error.snippet:
        message += f": {error.snippet.strip()!r}"
    return Finding(
        message, file=path, line=error.line, column=error.column, hint=error.hint, severity="error", cause=error.cause
    )
