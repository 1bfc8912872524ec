"""Bind a text-format tree to a message type: the message plus where every field was written.

The message is built with the semantics of google.protobuf.text_format.Merge, which the OD API
uses (`config_util.get_configs_from_pipeline_file`): a scalar written twice keeps the last
value, a second oneof member replaces the first, blocks written twice merge (the tests compare
the result with Merge on every zoo config). Building it here, rather than calling Merge, costs
a fraction of the time and adds what Merge throws away: a line:column for every field path, a
did-you-mean for unknown fields, and notes on what Merge accepts silently.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.textproto.syntax import Document, FieldNode, MessageValue, ScalarValue, parse_document
from pipecheck.textproto.tokens import IDENT, NUMBER, STRING, Comment, SourceText, TextProtoSyntaxError, tokenize
from pipecheck.textproto.values import ValueError_, convert_scalar


@dataclass
class FieldLocation:
    line: int
    column: int
    node: FieldNode
    value: ScalarValue | MessageValue | None = None
    parsed: object = None  # the Python value of a scalar (enum values by name)

    @property
    def raw(self) -> str:
        return self.value.text if isinstance(self.value, ScalarValue) else ""


@dataclass
class Note:
    """Something Merge accepts silently that a person probably did not mean."""

    kind: str  # "duplicate" or "oneof"
    path: str
    first: FieldLocation
    second: FieldLocation
    detail: str = ""


@dataclass
class LocatedMessage:
    path: Path
    source: SourceText
    message: object
    locations: dict[str, FieldLocation]
    comments: list[Comment]
    notes: list[Note] = field(default_factory=list)
    document: Document | None = None

    @property
    def text(self) -> str:
        return self.source.text

    def location(self, field_path: str | None) -> tuple[int, int]:
        """Where a field is written; for an absent field, where its closest written parent is."""
        while field_path:
            found = self.locations.get(field_path)
            if found is not None:
                return found.line, found.column
            field_path = _parent_path(field_path)
        return 1, 1

    def written(self, field_path: str) -> bool:
        return field_path in self.locations

    def scalars(self):
        """(path, location) of every scalar written in the file, in file order."""
        for path, location in self.locations.items():
            if isinstance(location.value, ScalarValue):
                yield path, location


def _parent_path(field_path: str) -> str:
    if field_path.endswith("]"):
        return field_path[: field_path.rindex("[")]
    return field_path.rpartition(".")[0]


def parse_located(path: Path, text: str, message_class: type) -> LocatedMessage:
    """Parse `text` as `message_class`; raise TextProtoSyntaxError with a position on failure."""
    source = SourceText(text)
    tokens, comments = tokenize(source)
    document = parse_document(source, tokens)
    binder = _Binder(source, message_class.DESCRIPTOR)
    message = message_class()
    binder.bind(document.fields, binder.root, "", message)
    return LocatedMessage(path, source, message, binder.locations, comments, binder.notes, document)


class _Binder:
    def __init__(self, source: SourceText, root_descriptor):
        self.source = source
        self.root = root_descriptor
        self.locations: dict[str, FieldLocation] = {}
        self.notes: list[Note] = []
        self.repeat_counts: dict[str, int] = {}

    def bind(self, fields: list[FieldNode], descriptor, prefix: str, message) -> None:
        oneof_members: dict[str, tuple[str, FieldLocation]] = {}
        for node in fields:
            field_descriptor = self.lookup(node, descriptor, prefix)
            path = f"{prefix}.{field_descriptor.name}" if prefix else field_descriptor.name
            repeated = _is_repeated(field_descriptor)
            if field_descriptor.containing_oneof is not None and not node.is_extension:
                oneof = field_descriptor.containing_oneof.name
                earlier = oneof_members.get(oneof)
                if earlier is not None and earlier[0] != node.name:
                    self.notes.append(
                        Note(
                            "oneof",
                            f"{prefix}.{oneof}" if prefix else oneof,
                            earlier[1],
                            self._location(node),
                            detail=oneof,
                        )
                    )
                oneof_members[oneof] = (node.name, self._location(node))
            if node.is_list and not repeated:
                raise self.error(
                    node, _('"{name}" is not a repeated field; the [a, b] list form is not allowed', name=node.name)
                )
            if not repeated and path in self.locations and not _is_message(field_descriptor):
                self.notes.append(Note("duplicate", path, self.locations[path], self._location(node)))
            for value in node.values:
                item_path = path
                if repeated:
                    index = self.repeat_counts.get(path, 0)
                    self.repeat_counts[path] = index + 1
                    item_path = f"{path}[{index}]"
                    self.locations.setdefault(path, self._location(node))
                self.bind_value(node, value, field_descriptor, item_path, message)

    def bind_value(self, node: FieldNode, value, field_descriptor, path: str, message) -> None:
        location = self._location(node, value)
        if _is_message(field_descriptor):
            if not isinstance(value, MessageValue):
                raise self.error(
                    node,
                    _('"{name}" is a block: write {name} {{ ... }}, not a value', name=node.name),
                    token=value.tokens[0],
                )
            if path in self.locations and not _is_repeated(field_descriptor):
                self.notes.append(Note("duplicate", path, self.locations[path], location, detail="block"))
            self.locations[path] = location
            if field_descriptor.message_type.GetOptions().map_entry:
                self.bind_map_entry(value, field_descriptor, path, message)
                return
            child = _child_message(message, field_descriptor)
            self.bind(value.fields, field_descriptor.message_type, path, child)
            return
        if isinstance(value, MessageValue):
            raise self.error(node, _('"{name}" takes a value, not a block {{ ... }}', name=node.name), token=value.open)
        try:
            location.parsed = convert_scalar(field_descriptor, value.tokens)
        except ValueError_ as problem:
            raise TextProtoSyntaxError(
                problem.message,
                problem.token.line,
                problem.token.column,
                self.source.line_text(problem.token.line),
                problem.hint,
            ) from None
        self.locations[path] = location
        _store_scalar(message, field_descriptor, location.parsed)

    def bind_map_entry(self, entry: MessageValue, field_descriptor, path: str, message) -> None:
        """A `map<K, V>` entry, written `name { key: ... value: ... }`."""
        entry_type = field_descriptor.message_type
        key_descriptor, value_descriptor = entry_type.fields_by_name["key"], entry_type.fields_by_name["value"]
        key, value_node = key_descriptor.default_value, None
        for node in entry.fields:
            found = self.lookup(node, entry_type, path)
            if found.name == "key":
                key = convert_scalar(found, node.values[0].tokens)
            else:
                value_node = node
            self.locations[f"{path}.{found.name}"] = self._location(node, node.values[0])
        container = getattr(message, field_descriptor.name)
        if value_descriptor.type == value_descriptor.TYPE_MESSAGE:
            fields = value_node.values[0].fields if value_node is not None else []
            self.bind(fields, value_descriptor.message_type, f"{path}.value", container[key])
        elif value_node is not None:
            parsed = convert_scalar(value_descriptor, value_node.values[0].tokens)
            if value_descriptor.type == value_descriptor.TYPE_ENUM:
                parsed = value_descriptor.enum_type.values_by_name[parsed].number
            container[key] = parsed
        else:
            container[key] = value_descriptor.default_value

    def lookup(self, node: FieldNode, descriptor, prefix: str):
        if node.is_extension:
            pool = descriptor.file.pool
            try:
                return pool.FindExtensionByName(node.name.strip("[]"))
            except KeyError:
                raise self.error(
                    node,
                    _("extension {name} is not known to the OD API's public protos", name=node.name),
                    hint=_(
                        "this is a Google-internal input reader; use tf_record_input_reader "
                        '{{ input_path: "..." }} instead'
                    ),
                ) from None
        found = descriptor.fields_by_name.get(node.name)
        if found is not None:
            return found
        return self.unknown(node, descriptor, prefix)

    def unknown(self, node: FieldNode, descriptor, prefix: str):
        where = prefix or _("the top level")
        close = difflib.get_close_matches(node.name, list(descriptor.fields_by_name), n=1, cutoff=0.75)
        if close:
            hint = _("did you mean {name}?", name=close[0])
        else:
            homes = _homes_of(self.root, node.name)
            hint = (
                _(
                    "{name} belongs in {homes}; a closing brace may be missing or misplaced above",
                    name=node.name,
                    homes=", ".join(homes[:3]),
                )
                if homes
                else _(
                    "{where} ({type}) has: {fields}",
                    where=where,
                    type=descriptor.name,
                    fields=", ".join(sorted(descriptor.fields_by_name)[:12]),
                )
            )
        raise self.error(
            node,
            _(
                '{type} has no field named "{name}" (in {where})',
                type=descriptor.full_name,
                name=node.name,
                where=where,
            ),
            hint=hint,
        )

    def error(self, node: FieldNode, message: str, hint: str | None = None, token=None) -> TextProtoSyntaxError:
        token = token or node.name_token
        return TextProtoSyntaxError(message, token.line, token.column, self.source.line_text(token.line), hint)

    def _location(self, node: FieldNode, value=None) -> FieldLocation:
        return FieldLocation(node.name_token.line, node.name_token.column, node, value)


def _child_message(message, field_descriptor):
    """The sub-message a block fills: a new item of a repeated field, or the (merged) singular one."""
    if field_descriptor.is_extension:
        target = message.Extensions[field_descriptor]
        child = target.add() if _is_repeated(field_descriptor) else target
    elif _is_repeated(field_descriptor):
        child = getattr(message, field_descriptor.name).add()
    else:
        child = getattr(message, field_descriptor.name)
    child.SetInParent()  # an empty block still counts as set, as with Merge
    return child


def _store_scalar(message, field_descriptor, value) -> None:
    if field_descriptor.type == field_descriptor.TYPE_ENUM:
        value = field_descriptor.enum_type.values_by_name[value].number
    if field_descriptor.is_extension:
        if _is_repeated(field_descriptor):
            message.Extensions[field_descriptor].append(value)
        else:
            message.Extensions[field_descriptor] = value
    elif _is_repeated(field_descriptor):
        getattr(message, field_descriptor.name).append(value)
    else:
        setattr(message, field_descriptor.name, value)


def _is_repeated(field_descriptor) -> bool:
    repeated = getattr(field_descriptor, "is_repeated", None)  # protobuf >= 5.29 drops .label later
    if repeated is None:
        return field_descriptor.label == field_descriptor.LABEL_REPEATED
    return bool(repeated)


def _is_message(field_descriptor) -> bool:
    return field_descriptor.type in (field_descriptor.TYPE_MESSAGE, field_descriptor.TYPE_GROUP)


def _homes_of(root, name: str, limit_depth: int = 6) -> list[str]:
    """Field paths (without indexes) under which a field called `name` is valid."""
    homes: list[str] = []
    seen: set[str] = set()

    def walk(descriptor, prefix: str, depth: int) -> None:
        if depth > limit_depth or descriptor.full_name in seen:
            return
        seen.add(descriptor.full_name)
        if name in descriptor.fields_by_name:
            homes.append(prefix or _("the top level"))
        for child in descriptor.fields:
            if _is_message(child):
                walk(child.message_type, f"{prefix}.{child.name}" if prefix else child.name, depth + 1)
        seen.discard(descriptor.full_name)

    walk(root, "", 0)
    return sorted(homes, key=len)


__all__ = [
    "LocatedMessage",
    "FieldLocation",
    "Note",
    "parse_located",
    "TextProtoSyntaxError",
    "IDENT",
    "NUMBER",
    "STRING",
]
