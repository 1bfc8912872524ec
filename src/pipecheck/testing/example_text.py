"""A rule example as a reader sees it: the config text it writes, the files, the damage, the options.

The Bad/Good examples of a rule's docstring are steps for the test harness (`examples.py`):
`model.faster_rcnn.num_classes: 90`, `standin <folder> empty-graph`, `expect <field>`. The
documentation site shows them as Markdown instead: field edits become the nested config text a
person would write, files their content, record and checkpoint damage a sentence, and the harness'
own expectations nothing at all.
"""

from __future__ import annotations

import re
import shlex

from pipecheck.testing.artifact_edits import ARTIFACT_STEPS
from pipecheck.testing.examples import Example

BASES = {"ssd": "the SSD MobileNet V2 FPNLite 320 config instead of the course's Faster R-CNN"}
STANDINS = {
    "faster_rcnn": "a Faster R-CNN detection checkpoint",
    "ssd": "an SSD detection checkpoint",
    "classification": "a classification checkpoint (a backbone only)",
    "tf1": "a TF1 checkpoint (variables by name, no object graph)",
    "empty-graph": "a checkpoint whose object graph is empty (not written by tf.train.Checkpoint)",
    "no-model": "a checkpoint without a model in its object graph",
    "no-save-counter": "a checkpoint without its save counter",
    "keras-classifier": "a Keras classifier's checkpoint",
}
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[{}]|[^\s{}]+')
_SEGMENT = re.compile(r"^(?P<name>[A-Za-z0-9_]+)(?:\[(?P<index>[0-9]+)\])?$")
_EDITS = ("delete ", "comment ")
_ONE_LINE_MESSAGE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*\{[^\n]*\}\s*$")


def example_markdown(example: Example) -> str:
    """The example's steps as Markdown: fenced config text, files, sentences for the rest."""
    parts: list[str] = []
    if example.base:
        parts.append(f"On {BASES.get(example.base, example.base)}:")
    edits: list[str] = []
    for step in example.steps:
        if _is_field_edit(step):
            edits.append(step)
            continue
        if edits:
            parts.append(_fence(config_text(edits)))
            edits = []
        parts.append(_step_markdown(step))
    if edits:
        parts.append(_fence(config_text(edits)))
    if example.options:
        parts.append(f"Linted with `pipecheck {shlex.join(example.options)}`.")
    return "\n\n".join(parts) if parts else "The course project as it is."


def _is_field_edit(step: str) -> bool:
    if step.startswith(_EDITS):
        return True
    head = step.split(":", 1)[0]
    return ":" in step and " " not in head and not step.startswith(("file ", "append:", "text:", *ARTIFACT_STEPS))


def config_text(steps: list[str]) -> str:
    """Field edits (`a.b[0].c: v`, `delete a.b`, `comment a.b: # x`) as one nested text-format block."""
    tree: dict = {}
    for step in steps:
        if step.startswith("delete "):
            path, leaf = step[len("delete ") :].strip(), ("deleted", None, None)
        elif step.startswith("comment "):
            path, _, comment = step[len("comment ") :].partition(": ")
            leaf = ("comment", comment.strip(), None)
        else:
            path, _, value = step.partition(": ")
            leaf = ("value", value.strip(), None)
        node = tree
        segments = path.strip().split(".")
        for segment in segments[:-1]:
            node = node.setdefault(_key(segment), {})
        key, before = _key(segments[-1]), node.get(_key(segments[-1]))
        if leaf[0] == "comment" and isinstance(before, tuple) and before[0] == "value":
            leaf = ("value", before[1], leaf[1])  # the value set, with the comment at the end of its line
        node[key] = leaf
    return "\n".join(_render(tree, 0))


def _key(segment: str) -> tuple[str, int | None]:
    """(name, index): the index None when the path does not write one."""
    match = _SEGMENT.match(segment)
    if match is None:
        return segment, None
    return match.group("name"), None if match.group("index") is None else int(match.group("index"))


def _render(tree: dict, depth: int) -> list[str]:
    pad, lines = "  " * depth, []
    for (name, index), node in tree.items():
        which = f"  # the {_ordinal(index)} {name}" if index else ""
        if isinstance(node, dict):
            which = "" if index is None else f"  # the {_ordinal(index)} {name}"
            lines.append(f"{pad}{name} {{{which}")
            lines += _render(node, depth + 1)
            lines.append(f"{pad}}}")
        elif node[0] == "deleted":
            lines.append(f"{pad}# no {name}: the line is removed{which}")
        elif node[0] == "comment":
            lines.append(f"{pad}{name}: ...  {node[1]}")
        else:
            lines.append(f"{pad}{name}: {node[1]}{which}" + (f"  {node[2]}" if node[2] else ""))
    return lines


def _ordinal(index: int) -> str:
    return {0: "first", 1: "second", 2: "third", 3: "fourth"}.get(index, f"{index + 1}th")


def pretty_textproto(text: str) -> str:
    """One-line text format (`a { b: 1 c { d: 2 } }`) laid out one field per line."""
    lines, current, depth = [], "", 0
    for token in _TOKEN.findall(text):
        if token == "{":
            lines.append("  " * depth + (current + " {").strip())
            current, depth = "", depth + 1
        elif token == "}":
            if current:
                lines.append("  " * depth + current)
            current, depth = "", max(depth - 1, 0)
            lines.append("  " * depth + "}")
        elif current.endswith(":"):
            lines.append("  " * depth + f"{current} {token}")
            current = ""
        else:
            if current:
                lines.append("  " * depth + current)
            current = token
    if current:
        lines.append("  " * depth + current)
    return "\n".join(lines)


def _fence(text: str, title: str = "") -> str:
    heading = f' title="{title}"' if title else ""
    return f"```text{heading}\n{text}\n```"


def _step_markdown(step: str) -> str:
    verb, _, rest = step.partition(" ")
    if step.startswith("text:"):
        return "The whole config:\n\n" + _fence(pretty_textproto(step[len("text:") :].strip()))
    if step.startswith("append:"):
        return "Added at the end of the config:\n\n" + _fence(pretty_textproto(step[len("append:") :].strip()))
    if verb == "file":
        name, _, content = rest.partition(": ")
        content = content.replace("\\n", "\n")
        shown = pretty_textproto(content) if _ONE_LINE_MESSAGE.match(content) else content
        return _fence(shown, name)
    if verb == "rm":
        return f"`{rest}` removed."
    if verb == "mkdir":
        return f"A folder `{rest}`."
    if verb == "copy":
        source, target = rest.split()
        return f"`{source}` copied to `{target}`."
    if verb == "corrupt":
        name, offset = rest.split()
        return f"One byte of `{name}` damaged, at offset {offset}."
    if verb == "truncate":
        name, count = rest.split()
        return f"`{name}` cut short by its last {count} bytes."
    if verb == "gzip":
        return f"`{rest}` compressed with GZIP."
    if verb == "standin":
        folder, kind = rest.split()
        return f"In `{folder}`, {STANDINS.get(kind, kind)}."
    if verb == "record":
        return _record_sentence(rest)
    if verb == "tflite":
        name, count = rest.split()
        return f"`{name}`, a TFLite detection model that returns {count} detections."
    raise ValueError(f"no words for the example step {step!r}: teach it to pipecheck/testing/example_text.py")


def _record_sentence(rest: str) -> str:
    name, index, *operations = rest.split()
    which = "every record" if index == "*" else f"record {index}"
    changes = []
    for operation in operations:
        if operation.startswith("del:"):
            changes.append(f"without `{operation[4:]}`")
            continue
        key, _, value = operation.partition("=")
        if value.startswith("@"):
            changes.append(_image_variant(key, value[1:]))
        elif value.startswith("*"):
            changes.append(f"every value of `{key}` set to `{value[1:]}`")
        else:
            changes.append(f"`{key}` set to `{value}`")
    return f"In `{name}`, {which}: " + ", ".join(changes) + "."


def _image_variant(key: str, variant: str) -> str:
    kind, _, argument = variant.partition(":")
    return {
        "cut": f"`{key}` cut to its first {argument} bytes",
        "exif": f"`{key}`: a JPEG with EXIF orientation {argument}",
        "cmyk": f"`{key}`: a CMYK JPEG",
        "size": f"`{key}`: an image of {argument.replace('x', ' × ')} pixels",
        "from": "`{key}`: the image of record {index} of `{file}`".format(
            key=key, index=argument.rsplit(":", 1)[-1], file=argument.rsplit(":", 1)[0]
        ),
    }.get(kind, f"`{key}` set to `@{variant}`")
