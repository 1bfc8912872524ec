"""What the schema says about a place in a buffer: the field under the cursor, the message the cursor
is in, what may be written there. No pygls here: positions are 0-based lines and characters.

Completion reads the text before the cursor with a scanner of its own, since the buffer is
usually broken while one types (`num_cl` alone does not parse).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.descriptor import FieldDescriptor

_TYPE_NAMES = {
    value: name[len("TYPE_") :].lower() for name, value in vars(FieldDescriptor).items() if name.startswith("TYPE_")
}
_SCAN = re.compile(r"""#[^\n]*|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|[A-Za-z_][\w]*|[{}<>]|\S""")
_VALUE_CONTEXT = re.compile(r"""(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<quote>["']?)(?P<partial>[^"'\s]*)$""")
_NAME_CONTEXT = re.compile(r"(?:^|[\s{};,])(?P<partial>[A-Za-z_]\w*)?$")
PATH_FIELDS = ("fine_tune_checkpoint", "input_path")
MAX_PATHS = 200


def is_path_field(name: str) -> bool:
    return name.endswith("_path") or name in PATH_FIELDS


def type_name(field: FieldDescriptor) -> str:
    if field.message_type is not None:
        return field.message_type.name
    if field.enum_type is not None:
        return field.enum_type.name
    return _TYPE_NAMES.get(field.type, "?")


def describe_field(field: FieldDescriptor) -> list[str]:
    """Markdown lines: type, label, default, oneof, enum values and pipecheck's description of the field."""
    from pipecheck.report.diff import DESCRIPTIONS
    from pipecheck.textproto.descriptors import is_repeated as _is_repeated

    repeated = _is_repeated(field)
    lines = [f"`{type_name(field)}`" + (" (repeated)" if repeated else "")]
    if field.message_type is None and not repeated:
        default = field.default_value
        if field.enum_type is not None:
            default = field.enum_type.values_by_number[default].name
        lines[0] += f", default `{default}`"
    if field.containing_oneof is not None:
        lines.append(f"one of `{field.containing_oneof.name}`: only one member may be written")
    if field.enum_type is not None:
        lines.append("values: " + ", ".join(f"`{value.name}`" for value in field.enum_type.values))
    described = DESCRIPTIONS.get(field.name)
    if described is not None:
        from pipecheck.i18n import _

        lines.append(_(described))
    return lines


def field_at(located, line: int, character: int):
    """(field path, FieldLocation) of the innermost field written around 0-based line:character, or None."""
    offset = _offset(located.text, line, character)
    best = None
    for path, location in located.locations.items():
        node = location.node
        if node.start <= offset < max(node.end, node.name_token.end) and (
            best is None or node.end - node.start < best[1].node.end - best[1].node.start
        ):
            best = (path, location)
    return best


def descriptor_at(root_descriptor, field_path: str) -> FieldDescriptor | None:
    """The field a dotted path (`train_config.optimizer`, `eval_input_reader[0].label_map_path`) names."""
    descriptor, field = root_descriptor, None
    for step in field_path.split("."):
        if descriptor is None:
            return None
        field = descriptor.fields_by_name.get(step.split("[", 1)[0])
        if field is None:
            return None
        descriptor = field.message_type
    return field


def _offset(text: str, line: int, character: int) -> int:
    start = 0
    for _index in range(line):
        found = text.find("\n", start)
        if found == -1:
            return len(text)
        start = found + 1
    return start + character


@dataclass
class Context:
    """Where the cursor is, for completion: in message `descriptor`, typing a field name, or a value of `field`."""

    descriptor: object | None
    field: FieldDescriptor | None  # set when the cursor is after `name:`
    partial: str
    quoted: str  # the quote already typed before the value ("", '"' or "'")


def context_at(text: str, line: int, character: int, root_descriptor) -> Context:
    before = text[: _offset(text, line, character)]
    stack: list[str] = []
    last_name = None
    for token in _SCAN.findall(before):
        if token in ("{", "<"):
            stack.append(last_name or "")
        elif token in ("}", ">"):
            if stack:
                stack.pop()
        elif token[0].isalpha() or token[0] == "_":
            last_name = token
    descriptor = root_descriptor
    for name in stack:
        field = descriptor.fields_by_name.get(name) if descriptor is not None else None
        descriptor = field.message_type if field is not None else None
    current = before[before.rfind("\n") + 1 :]
    value = _VALUE_CONTEXT.search(current)
    if value is not None and descriptor is not None:
        field = descriptor.fields_by_name.get(value.group("name"))
        return Context(descriptor, field, value.group("partial"), value.group("quote"))
    named = _NAME_CONTEXT.search(current)
    return Context(descriptor, None, (named.group("partial") or "") if named else "", "")


def field_names(descriptor) -> list[FieldDescriptor]:
    return list(descriptor.fields) if descriptor is not None else []


def path_choices(root: Path, partial: str, checkpoint: bool) -> list[str]:
    """Paths under the launch root that start with `partial`; for a checkpoint, its prefixes (ckpt-0) too."""
    folder, _sep, start = partial.rpartition("/")
    base = (root / folder) if folder else root
    try:
        entries = sorted(os.scandir(base), key=lambda entry: entry.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.name.startswith(start) or (entry.name.startswith(".") and not start.startswith(".")):
            continue
        shown = f"{folder}/{entry.name}" if folder else entry.name
        if entry.is_dir(follow_symlinks=False):
            found.append(shown + "/")
        elif checkpoint and entry.name.endswith(".index"):
            found.append(shown[: -len(".index")])
        elif not checkpoint:
            found.append(shown)
        if len(found) >= MAX_PATHS:
            break
    return found
