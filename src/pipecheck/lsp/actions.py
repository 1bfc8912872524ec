"""Code actions: each fix a rule knows as a quick fix, and "suppress" with `# pipecheck: ignore[CODE]`.

The edits are computed on the buffer's text with pipecheck's own editor (comments and layout
kept), then sent as the smallest TextEdit that turns the old text into the new one.
"""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from pipecheck.i18n import _

_IGNORE = re.compile(r"#\s*pipecheck:\s*ignore\[(?P<codes>[^\]]*)\]")


def text_edit(old: str, new: str, lines: list[str], codec) -> types.TextEdit:
    """One edit replacing only what differs between `old` and `new`."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    server = ServerTextRange(_position(old, start), _position(old, end_old))
    return types.TextEdit(codec.range_to_client_units(lines, server), new[start:end_new])


def _position(text: str, offset: int) -> ServerTextPosition:
    line = text.count("\n", 0, offset)
    return ServerTextPosition(line, offset - (text.rfind("\n", 0, offset) + 1))


def fixed_text(text: str, path, pipeline_class, data: dict) -> str | None:
    """The buffer with the fix a diagnostic's data carries applied, or None when it cannot be applied."""
    from pipecheck.textproto import TextProtoSyntaxError, parse_located
    from pipecheck.textproto.edit import EditError, delete_field, set_value

    field = data.get("field")
    if not field or not data.get("fix") or (data.get("replacement") is None and not data.get("remove")):
        return None
    try:
        located = parse_located(path, text, pipeline_class)
        if data.get("remove"):
            return delete_field(located, field)
        return set_value(located, field, data["replacement"])
    except (TextProtoSyntaxError, EditError):
        return None


def suppressed_text(text: str, line: int, code: str) -> str:
    """The text with `# pipecheck: ignore[code]` covering 1-based `line`: added to the line's own
    ignore comment, at the end of a line without a comment, or on its own line above one with a comment."""
    lines = text.split("\n")
    index = max(0, min(line - 1, len(lines) - 1))
    current = lines[index]
    found = _IGNORE.search(current)
    if found is not None:
        codes = [c.strip() for c in found.group("codes").split(",") if c.strip()]
        if code not in codes:
            codes.append(code)
        lines[index] = current[: found.start("codes")] + ", ".join(codes) + current[found.end("codes") :]
    elif "#" in _code_and_strings(current):
        indent = current[: len(current) - len(current.lstrip())]
        lines.insert(index, f"{indent}# pipecheck: ignore[{code}]")
    else:
        lines[index] = current.rstrip() + f"  # pipecheck: ignore[{code}]"
    return "\n".join(lines)


def _code_and_strings(line: str) -> str:
    """The line with its strings blanked, so a # inside a path is not taken for a comment."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', line)


def code_actions(uri: str, text: str, path, pipeline_class, diagnostics, codec) -> list[types.CodeAction]:
    lines = text.splitlines(keepends=True) or [""]
    actions = []
    for diagnostic in diagnostics:
        if diagnostic.source != "pipecheck" or not diagnostic.code:
            continue
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        new = fixed_text(text, path, pipeline_class, data) if pipeline_class is not None else None
        if new is not None and new != text:
            unsafe = data.get("fix") == "unsafe"
            title = (
                _("Fix {code}: {what} (unsafe: changes a training choice)", code=diagnostic.code, what=_what(data))
                if unsafe
                else _("Fix {code}: {what}", code=diagnostic.code, what=_what(data))
            )
            actions.append(_action(title, uri, text_edit(text, new, lines, codec), diagnostic, unsafe))
        line = data.get("line") or diagnostic.range.start.line + 1
        suppressed = suppressed_text(text, line, str(diagnostic.code))
        title = _("Suppress {code} on this line (# pipecheck: ignore)", code=diagnostic.code)
        action = _action(title, uri, text_edit(text, suppressed, lines, codec), diagnostic, False)
        action.is_preferred = False
        actions.append(action)
    return actions


def _what(data: dict) -> str:
    name = (data.get("field") or "").rpartition(".")[2]
    if data.get("remove"):
        return _("delete {field}", field=name)
    return f"{name}: {data.get('replacement')}"


def _action(title: str, uri: str, edit: types.TextEdit, diagnostic, unsafe: bool) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.RefactorRewrite if unsafe else types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=not unsafe,
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
    )
