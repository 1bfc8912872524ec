"""Read the Bad/Good examples of rule docstrings and apply them to a copy of a clean project.

An example is a list of steps, one per line, applied to the project's pipeline.config
(field paths from the pipeline root, values in text-format syntax) or to its files:

    model.faster_rcnn.num_classes: 90           set a value (adding the field if needed)
    delete train_config.fine_tune_checkpoint    remove a field
    append: <text>                              add text at the end of the config
    text: <text>                                replace the whole config
    comment <field>: <text>                     add text at the end of that field's line
    file <path>: <content>                      write a file under the root (\\n for new lines)
    rm <path> / mkdir <path>                    remove a file or folder / make a folder
    copy <path> <path>                          copy a file under the root
    option <cli arguments>                      extra command-line arguments
    home <folder>                               lint with HOME set to this folder (from the root; ../x is outside)
    expect <field> | expect file <path>         where the finding must be (default: first field set)
    base ssd                                    lint an SSD MobileNet V2 FPNLite 320 config instead
    record / corrupt / truncate / gzip / standin    damage records or the checkpoint (artifact_edits.py)
"""

from __future__ import annotations

import inspect
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.testing.artifact_edits import ARTIFACT_STEPS, apply_artifact_step

_SECTION = re.compile(r"^(Bad|Good|Undecided)(?: \((?P<label>[^)]*)\))?:\s*$")


@dataclass
class Example:
    kind: str  # "bad", "good" or "undecided"
    label: str
    steps: list[str]
    options: list[str] = field(default_factory=list)
    expect_field: str | None = None
    expect_file: str | None = None
    base: str = ""  # "base NAME": the project starts from another config (apply_example's `bases`)
    home: str | None = None  # "home FOLDER": HOME while linting, so that ~ names a folder the example made


def examples_of(function) -> list[Example]:
    lines = inspect.cleandoc(function.__doc__ or "").splitlines()
    examples: list[Example] = []
    current = None
    for line in lines:
        match = _SECTION.match(line)
        if match:
            current = Example(match.group(1).lower(), match.group("label") or "", [])
            examples.append(current)
            continue
        if current is None:
            continue
        if line.startswith("    "):
            current.steps.append(line.strip())
        elif line.strip():
            current = None
    for example in examples:
        _read_expectations(example)
    return examples


def _read_expectations(example: Example) -> None:
    steps = []
    for step in example.steps:
        if step.startswith("base "):
            example.base = step[len("base ") :]
        elif step.startswith("home "):
            example.home = step[len("home ") :]
        elif step.startswith("option "):
            example.options += shlex.split(step[len("option ") :])
        elif step.startswith("expect file "):
            example.expect_file = step[len("expect file ") :]
        elif step.startswith("expect "):
            example.expect_field = step[len("expect ") :]
        else:
            steps.append(step)
            if example.expect_field is None and not step.startswith(
                ("file ", "rm ", "mkdir ", "copy ", "append:", "text:", "comment ", *ARTIFACT_STEPS)
            ):
                target = step[len("delete ") :] if step.startswith("delete ") else step.split(":", 1)[0]
                example.expect_field = target.strip()
    example.steps = steps
    if example.expect_file:
        example.expect_field = None


def apply_example(root: Path, example: Example, config: str, bases: dict | None = None) -> str:
    """Apply the example's steps to the project at `root`; returns the config to lint, from the root.

    `config` is the clean project's pipeline.config; `bases` maps a `base NAME` step to a function
    that adds another network to the project and returns its config (the course's `base ssd`).
    """
    if example.base:
        if example.base not in (bases or {}):
            raise ValueError(f"example needs base {example.base!r}, which this project does not provide")
        config = bases[example.base](root)
    path = root / config
    for step in example.steps:
        if step.startswith(ARTIFACT_STEPS):
            apply_artifact_step(root, step)
        elif step.startswith("file "):
            name, _, content = step[len("file ") :].partition(": ")
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content.replace("\\n", "\n") + "\n")
        elif step.startswith("rm "):
            target = root / step[3:]
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        elif step.startswith("mkdir "):
            (root / step[6:]).mkdir(parents=True, exist_ok=True)
        elif step.startswith("copy "):
            source, target = step[len("copy ") :].split()
            shutil.copyfile(root / source, root / target)
        elif step.startswith("append:"):
            path.write_text(path.read_text() + step[len("append:") :].strip().replace("\\n", "\n") + "\n")
        elif step.startswith("text:"):
            path.write_text(step[len("text:") :].strip().replace("\\n", "\n") + "\n")
        elif step.startswith("comment "):
            field_path, _, comment = step[len("comment ") :].partition(": ")
            _append_to_line_of(path, field_path, comment)
        elif step.startswith("delete "):
            path.write_text(edit_config(path.read_text(), [(step[len("delete ") :], None)]))
        else:
            field_path, _, value = step.partition(": ")
            path.write_text(edit_config(path.read_text(), [(field_path.strip(), value.strip())]))
    return str(config)


def edit_config(text: str, edits: list[tuple[str, str | None]], path: Path = Path("pipeline.config")) -> str:
    """Set (or, with None, delete) each field in a config's text, keeping comments and layout."""
    from pipecheck.schema import load_schema
    from pipecheck.textproto import parse_located
    from pipecheck.textproto.edit import delete_field, set_value

    pipeline_class = load_schema(Path.cwd()).pipeline_class
    for field_path, value in edits:
        located = parse_located(path, text, pipeline_class)
        text = delete_field(located, field_path) if value is None else set_value(located, field_path, value)
    return text


def _append_to_line_of(config: Path, field_path: str, comment: str) -> None:
    from pipecheck.schema import load_schema
    from pipecheck.textproto import parse_located

    text = config.read_text()
    located = parse_located(config, text, load_schema(Path.cwd()).pipeline_class)
    line = located.locations[field_path].line
    lines = text.split("\n")
    lines[line - 1] += "  " + comment
    config.write_text("\n".join(lines))


def targets(example: Example) -> set[str]:
    """What an example's steps touch: field paths, files, or "config" for whole-text edits."""
    touched = {_INDEX.sub("", example.expect_field)} if example.expect_field else set()
    touched |= {option for option in example.options if option.startswith("--") and option != "--select"}
    if example.home:
        touched.add("home")
    for step in example.steps:
        verb, _, rest = step.partition(" ")
        if step.startswith(("append:", "text:")):
            touched.add("config")
        elif verb in ("file", "rm", "mkdir"):
            touched.add(rest.split(": ", 1)[0].strip())
        elif step.startswith(ARTIFACT_STEPS):
            touched |= {rest.split()[0], rest.split()[0].rsplit("/", 1)[0]}  # a shard is its checkpoint's folder
        elif verb in ("delete", "comment"):
            touched.add(_INDEX.sub("", rest.split(": ", 1)[0].strip()))
        else:
            touched.add(_INDEX.sub("", step.split(":", 1)[0].strip()))
    return touched


_INDEX = re.compile(r"\[[0-9]+\]")


def check_outcome(spec, example: Example, code: int, document: dict) -> None:
    """Assert what the example promises, from the JSON a lint of the edited project printed.

    A Bad example has a finding of the rule at its severity (at the field or file it names,
    when it names one), a Good one none and exit 0, an Undecided one the rule undecided. A
    rule may add notes below its own severity (PC402 says how much RAM a good batch needs).
    """
    rank = ("info", "warning", "error")
    mine = [
        f
        for f in document["findings"]
        if f["rule"] == spec.code and rank.index(f["severity"]) >= rank.index(spec.severity)
    ]
    undecided = {u["rule"]: u["reason"] for u in document["undecided"]}
    if example.kind == "good":
        assert not mine, mine
        assert spec.code not in undecided, undecided.get(spec.code)
        assert code == 0, document["findings"]
    elif example.kind == "undecided":
        assert spec.code in undecided and not mine
    else:
        assert mine, f"{spec.code} found nothing; undecided: {undecided.get(spec.code)}; others: {document['findings']}"
        if example.expect_field:
            assert example.expect_field in {f["field"] for f in mine}, mine
        if example.expect_file:
            assert any(f["file"].endswith(example.expect_file) for f in mine), mine
        expected_exit = 2 if spec.meta == "syntax" else 1 if spec.severity == "error" else None
        if expected_exit is not None:
            assert code == expected_exit, document["findings"]
