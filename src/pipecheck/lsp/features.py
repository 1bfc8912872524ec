"""The server's requests beside diagnostics: code actions, hover, completion, definition, symbols.

Each reads the buffer's current text with the schema the last lint loaded; when the text
does not parse (one is typing), hover, definition and symbols answer nothing and completion
reads the text before the cursor on its own.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from pipecheck.lsp import actions, schema_help
from pipecheck.lsp.linting import kind_of, launch_root


def register(server) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite]
        ),
    )
    def code_action(ls, params: types.CodeActionParams):
        document, path, schema = _context(ls, params.text_document.uri)
        return actions.code_actions(
            params.text_document.uri,
            document.source,
            path,
            schema.pipeline_class if schema is not None and path.suffix == ".config" else None,
            params.context.diagnostics,
            ls.workspace.position_codec,
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: types.HoverParams):
        document, path, schema = _context(ls, params.text_document.uri)
        position = document.position_codec.position_from_client_units(document.lines, params.position)
        text = hover_markdown(ls, path, document.source, position.line, position.character, schema)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text)) if text else None

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[":", '"', "/", " ", "{"])
    )
    def completion(ls, params: types.CompletionParams):
        document, path, schema = _context(ls, params.text_document.uri)
        if schema is None:
            return None
        position = document.position_codec.position_from_client_units(document.lines, params.position)
        root = launch_root(path, ls.linter.explicit_root, ls.linter.folders)
        return types.CompletionList(
            is_incomplete=False,
            items=completion_items(
                document.source, position.line, position.character, _root_message(path, schema), root
            ),
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls, params: types.DefinitionParams):
        document, path, schema = _context(ls, params.text_document.uri)
        position = document.position_codec.position_from_client_units(document.lines, params.position)
        target = path_under_cursor(ls, path, document.source, position.line, position.character, schema)
        if target is None:
            return None
        start = types.Position(0, 0)
        return types.Location(target.as_uri(), types.Range(start, start))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls, params: types.DocumentSymbolParams):
        document, path, schema = _context(ls, params.text_document.uri)
        located = _parse(path, document.source, schema)
        if located is None or located.document is None:
            return None
        lines = document.lines
        return [_symbol(node, located.source, lines, document.position_codec) for node in located.document.fields]


def _context(ls, uri: str):
    """(document, its path, the schema of the lint that last read it or a config naming it)."""
    document = ls.workspace.get_text_document(uri)
    path = Path(to_fs_path(uri)).absolute()
    lint = ls.lints.get(path) or next(
        (lint for lint in ls.lints.values() if path in lint.texts), next(iter(ls.lints.values()), None)
    )
    return document, path, lint.run.schema if lint is not None else None


def _root_message(path: Path, schema):
    return (schema.pipeline_class if path.suffix == ".config" else schema.label_map_class).DESCRIPTOR


def _parse(path: Path, text: str, schema):
    from pipecheck.textproto import TextProtoSyntaxError, parse_located

    if schema is None or kind_of(path, text) is None:
        return None
    message_class = schema.pipeline_class if path.suffix == ".config" else schema.label_map_class
    try:
        return parse_located(path, text, message_class)
    except TextProtoSyntaxError:
        return None


def hover_markdown(ls, path: Path, text: str, line: int, character: int, schema) -> str | None:
    """The field's schema, its value here and in the zoo original; the rules behind findings on the line."""
    parts = []
    located = _parse(path, text, schema)
    found = schema_help.field_at(located, line, character) if located is not None else None
    if found is not None:
        field_path, location = found
        field = schema_help.descriptor_at(located.message.DESCRIPTOR, field_path.split("[")[0])
        parts.append(f"**{field_path}**")
        if field is not None:
            parts += schema_help.describe_field(field)
        parts += _values(ls.lints.get(path), field_path, location)
    parts += _rules_on_line(ls.lints, path, line + 1)
    return "\n\n".join(parts) or None


def _values(lint, field_path: str, location) -> list[str]:
    from pipecheck.i18n import _

    lines = []
    if location.raw:
        lines.append(_("this config: `{value}`", value=location.raw))
    original = lint.run.original if lint is not None else None
    if original is not None:
        written = original.located.locations.get(field_path)
        shown = lint.run.project.display(original.path)
        if written is not None and written.raw:
            lines.append(
                _("zoo original: `{value}` (line {line} of {path})", value=written.raw, line=written.line, path=shown)
            )
        elif written is None:
            lines.append(_("zoo original: not written ({path})", path=shown))
    return lines


def _rules_on_line(lints: dict, path: Path, line: int) -> list[str]:
    from pipecheck.report.rule_docs import rule_page_url

    parts, seen = [], set()
    for lint in lints.values():
        specs = {spec.code: spec for spec in lint.run.catalogue.rules}
        for finding in lint.by_file.get(path, []):
            spec = specs.get(finding.rule)
            if finding.line != line or spec is None or spec.code in seen:
                continue
            seen.add(spec.code)
            summary = spec.doc.split("\n\n", 2)
            parts.append(
                f"---\n\n**{spec.code}** {spec.name} ({finding.severity})\n\n"
                + "\n\n".join(summary[:2]).strip()
                + f"\n\n[{spec.code} documentation]({rule_page_url(spec.code)})"
            )
    return parts


def completion_items(text: str, line: int, character: int, root_descriptor, root: Path) -> list[types.CompletionItem]:
    context = schema_help.context_at(text, line, character, root_descriptor)
    field = context.field
    if field is None:
        return [
            types.CompletionItem(
                label=candidate.name,
                kind=types.CompletionItemKind.Module if candidate.message_type else types.CompletionItemKind.Field,
                detail=schema_help.type_name(candidate),
                documentation="\n\n".join(schema_help.describe_field(candidate)),
                insert_text=f"{candidate.name} {{" if candidate.message_type else f"{candidate.name}: ",
            )
            for candidate in schema_help.field_names(context.descriptor)
            if candidate.name.startswith(context.partial)
        ]
    if field.enum_type is not None:
        return [
            types.CompletionItem(label=value.name, kind=types.CompletionItemKind.EnumMember)
            for value in field.enum_type.values
            if value.name.startswith(context.partial)
        ]
    if field.type == field.TYPE_BOOL:
        return [types.CompletionItem(label=word, kind=types.CompletionItemKind.Value) for word in ("true", "false")]
    if field.type == field.TYPE_STRING and schema_help.is_path_field(field.name):
        quote = "" if context.quoted else '"'
        return [
            types.CompletionItem(
                label=choice,
                kind=types.CompletionItemKind.Folder if choice.endswith("/") else types.CompletionItemKind.File,
                insert_text=quote
                + choice[len(context.partial.rpartition("/")[0]) + 1 if "/" in context.partial else 0 :],
                filter_text=choice.rpartition("/")[2]
                if not choice.endswith("/")
                else choice.rstrip("/").rpartition("/")[2],
            )
            for choice in schema_help.path_choices(root, context.partial, field.name == "fine_tune_checkpoint")
        ]
    return []


def path_under_cursor(ls, path: Path, text: str, line: int, character: int, schema) -> Path | None:
    """The file a path value under the cursor names (a checkpoint prefix opens its .index), if it exists."""
    from pipecheck.guarded import is_regular

    located = _parse(path, text, schema)
    found = schema_help.field_at(located, line, character) if located is not None else None
    if found is None or not found[1].raw or not schema_help.is_path_field(found[0].rpartition(".")[2].split("[")[0]):
        return None
    value = found[1].parsed if isinstance(found[1].parsed, str) else found[1].raw.strip("\"'")
    lint = ls.lints.get(path)
    target = (
        lint.run.project.resolve(value)
        if lint is not None
        else launch_root(path, ls.linter.explicit_root, ls.linter.folders) / value
    )
    for candidate in (target, Path(f"{target}.index")):
        if is_regular(candidate):
            return candidate.absolute()
    return None


def _symbol(node, source, lines, codec) -> types.DocumentSymbol:
    from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

    from pipecheck.textproto.syntax import MessageValue

    def client(start: int, end: int) -> types.Range:
        (start_line, start_column), (end_line, end_column) = source.position(start), source.position(end)
        server = ServerTextRange(
            ServerTextPosition(start_line - 1, start_column - 1), ServerTextPosition(end_line - 1, end_column - 1)
        )
        return codec.range_to_client_units(lines, server)

    block = next((value for value in node.values if isinstance(value, MessageValue)), None)
    children = [_symbol(child, source, lines, codec) for child in block.fields] if block is not None else None
    detail = None if block is not None else " ".join(value.text for value in node.values)
    end = max(node.end, node.name_token.end)
    return types.DocumentSymbol(
        name=node.name,
        kind=types.SymbolKind.Struct if block is not None else types.SymbolKind.Field,
        range=client(node.start, end),
        selection_range=client(node.name_token.start, node.name_token.end),
        detail=detail,
        children=children,
    )
