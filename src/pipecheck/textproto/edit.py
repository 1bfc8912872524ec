"""Change values in text format in place, keeping comments, order and layout.

Edits work on the text, guided by the positions the located parse recorded; the caller
re-parses after each edit, so every edit starts from exact offsets.
"""

from __future__ import annotations

import re

from pipecheck.textproto.located import LocatedMessage
from pipecheck.textproto.syntax import MessageValue, ScalarValue

_STEP = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z_0-9]*)(?:\[(?P<index>\d+)\])?$")


class EditError(Exception):
    pass


def set_value(located: LocatedMessage, path: str, value_text: str) -> str:
    """Return the text with the scalar at `path` set to `value_text` (text-format syntax).

    A field that is not written yet is added inside its closest written parent block,
    creating the missing blocks, indented like its neighbours.
    """
    text = located.text
    existing = located.locations.get(path)
    if existing is not None:
        if not isinstance(existing.value, ScalarValue):
            raise EditError(f"{path} is a block, not a value")
        return text[: existing.value.start] + value_text + text[existing.value.end :]
    steps = path.split(".")
    for split in range(len(steps) - 1, -1, -1):
        parent = ".".join(steps[:split])
        if split == 0 or parent in located.locations:
            missing = steps[split:]
            break
    else:  # pragma: no cover
        raise EditError(f"cannot place {path}")
    for step in missing:
        match = _STEP.match(step)
        if match is None:
            raise EditError(f"{path}: {step!r} is not a field name")
        if match.group("index") not in (None, "0") and step is not missing[0]:
            raise EditError(f"{path}: cannot create {step} before its earlier items")
    return _insert(located, ".".join(steps[: len(steps) - len(missing)]), missing, value_text)


def delete_field(located: LocatedMessage, path: str) -> str:
    """Return the text without the field at `path` (and without its line if it becomes empty)."""
    text = located.text
    location = located.locations.get(path)
    if location is None:
        raise EditError(f"{path} is not written in {located.path}")
    node = location.node
    start, end = node.start, node.end
    if len(node.values) > 1:  # one item of the [a, b] list form: too rare to edit precisely
        raise EditError(f"{path} is written in list form; edit it by hand")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if not text[line_start:start].strip() and not _code_part(text[end:line_end]).strip():
        trailing_comment = text[end:line_end].strip()
        if not trailing_comment:
            return text[:line_start] + text[min(line_end + 1, len(text)) :]
    return text[:start] + text[end:].lstrip(" ")


def _code_part(rest: str) -> str:
    return rest.split("#", 1)[0]


def _insert(located: LocatedMessage, parent_path: str, missing: list[str], value_text: str) -> str:
    text = located.text
    names = [_STEP.match(step).group("name") for step in missing]
    if parent_path:
        parent = located.locations[parent_path]
        if not isinstance(parent.value, MessageValue):
            raise EditError(f"{parent_path} is a value, not a block")
        close = parent.value.close
        indent = _indent_of(text, parent.node.start) + "  "
        position = text.rfind("\n", 0, close.start) + 1
        if text[position : close.start].strip():  # closing brace shares its line with content
            position = close.start
            prefix = "\n"
        else:
            prefix = ""
        suffix_indent = ""
    else:
        indent, position, prefix, suffix_indent = "", len(text), ("" if text.endswith("\n") or not text else "\n"), ""
    lines = []
    for depth, name in enumerate(names[:-1]):
        lines.append(f"{indent}{'  ' * depth}{name} {{")
    depth = len(names) - 1
    lines.append(f"{indent}{'  ' * depth}{names[-1]}: {value_text}")
    for depth in range(len(names) - 2, -1, -1):
        lines.append(f"{indent}{'  ' * depth}}}")
    block = prefix + "\n".join(lines) + "\n"
    if prefix:  # keep the closing brace on its own, indented like its block
        block += _indent_of(text, located.locations[parent_path].node.start) + suffix_indent
    return text[:position] + block + text[position:]


def _indent_of(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return line[: len(line) - len(line.lstrip())]
