"""Bind a text-format tree to a message type, field by field, noting where each was written.

`text_format.Merge` semantics (see located.py); while recovering, a field that cannot be bound is
reported, marked lost in `damaged`, and the binding goes on with the next one.
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass

from pipecheck.i18n import _
from pipecheck.textproto.descriptors import (
    child_message,
    homes_of,
    is_message,
    is_repeated,
    store_scalar,
    store_scalars,
    without_indexes,
)
from pipecheck.textproto.syntax import Document, FieldNode, MessageValue, ScalarValue
from pipecheck.textproto.tokens import SourceText, TextProtoSyntaxError
from pipecheck.textproto.unknown_fields import unknown_field_error
from pipecheck.textproto.values import ValueError_, convert_scalar, extension_hint


@dataclass(slots=True)
class FieldLocation:
    line: int
    column: int
    node: FieldNode
    value: ScalarValue | MessageValue | None = None
    parsed: object = None  # the Python value of a scalar (enum values by name)
    float32: bool = False  # a `float` field: protobuf stores it in 32 bits, so 1e39 becomes inf

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


class Binder:
    def __init__(self, source: SourceText, root_descriptor, document: Document | None = None):
        self.source = source
        self.root = root_descriptor
        self.locations: dict[str, FieldLocation] = {}
        self.notes: list[Note] = []
        self.repeat_counts: dict[str, int] = {}
        self.recovering = document is not None
        self.errors: list[TextProtoSyntaxError] = []
        self.damaged: list[tuple[str, bool]] = []
        self.stack: list = []  # descriptors of the blocks being bound, outermost first
        self.unclosed = document.unclosed if document is not None else []
        self.end_error = document.end_error if document is not None else None
        self.replaced = None  # the end-of-file error, once a precise one names the missing brace
        self.misplaced = None  # (block path, home, error, fields): fields of another block written in a row

    def bind_all(self, fields: list[FieldNode], skipped, message) -> None:
        self.stack.append(self.root)
        remaining = self.bind(fields, self.root, "", message)
        for node in remaining:  # hoisted past the top level: nothing holds them
            self.fail(node, "", self.unknown_error(node, self.root, ""))
        self.mark_skipped(skipped, "")

    def mark_skipped(self, skipped, prefix: str) -> None:
        for region in skipped:
            names = [n for n in region.names if n]
            if not names:
                self.damaged.append((prefix, False))
            for name in names:
                self.damaged.append((f"{prefix}.{name}" if prefix else name, True))

    def fail(self, node: FieldNode, prefix: str, problem: TextProtoSyntaxError, exact: str | None = None) -> None:
        """A field that cannot be bound: the error is kept and the field marked lost."""
        if not self.recovering:
            raise problem
        self.errors.append(problem)
        if exact is not None:
            self.damaged.append((exact, True))
        else:
            self.damaged.append((prefix, False))

    def bind(self, fields: list[FieldNode], descriptor, prefix: str, message) -> list[FieldNode]:
        """Bind `fields` into `message`; return those that belong to an enclosing block (a brace was missing)."""
        oneof_members: dict[str, tuple[str, FieldLocation]] = {}
        queue = deque(fields)  # popped from the left: a list's pop(0) made 100,000 fields quadratic
        while queue:
            node = queue.popleft()
            try:
                field_descriptor = self.lookup(node, descriptor, prefix)
            except TextProtoSyntaxError as problem:
                if self.belongs_above(node):
                    self.hoist(node, prefix)
                    return [node, *queue]
                close = difflib.get_close_matches(node.name, list(descriptor.fields_by_name), n=1, cutoff=0.75)
                home = None if close or not self.recovering else self.home_of(node)
                if home is not None and self.misplaced_run(node, descriptor, prefix, problem, home):
                    continue
                exact = f"{prefix}.{close[0]}" if close and prefix else None
                if home is not None:  # the field is lost where it belongs (any of its homes), not in this block
                    exact = f"{home}.{node.name}" if home else node.name
                    self.mark_homes(node)
                self.fail(node, prefix, problem, exact=exact)
                continue
            self.misplaced = None
            path = f"{prefix}.{field_descriptor.name}" if prefix else field_descriptor.name
            repeated = is_repeated(field_descriptor)
            self.note_oneof(node, field_descriptor, prefix, oneof_members)
            if node.is_list and not repeated:
                self.fail(
                    node,
                    prefix,
                    self.error(
                        node, _('"{name}" is not a repeated field; the [a, b] list form is not allowed', name=node.name)
                    ),
                    exact=path,
                )
                continue
            if not repeated and path in self.locations and not is_message(field_descriptor):
                again = self._location(node, node.values[-1] if node.values else None)
                self.notes.append(Note("duplicate", path, self.locations[path], again))
            if repeated and not is_message(field_descriptor) and not node.is_extension:
                run = [node]  # the same field on the lines that follow (100,000 input_path): bound at once
                while queue and queue[0].name == node.name and not queue[0].is_extension:
                    run.append(queue.popleft())
                self.bind_scalar_run(run, field_descriptor, path, prefix, message)
                continue
            for value in node.values:
                item_path = path
                if repeated:
                    index = self.repeat_counts.get(path, 0)
                    self.repeat_counts[path] = index + 1
                    item_path = f"{path}[{index}]"
                    if path not in self.locations:
                        self.locations[path] = self._location(node)
                try:
                    hoisted = self.bind_value(node, value, field_descriptor, item_path, message)
                except TextProtoSyntaxError as problem:
                    self.fail(node, prefix, problem, exact=path)
                    continue
                if hoisted:
                    queue.extendleft(reversed(hoisted))
                    if len(self.stack) >= 2 and not self.fits(queue[0], descriptor):
                        return list(queue)  # the same missing brace: the rest belongs further up
        return []

    def home_of(self, node: FieldNode) -> str | None:
        """The block path a field of another block belongs in ("" for the top level), or None."""
        homes = homes_of(self.root, node.name)
        if not homes:
            return None
        return "" if homes[0] == _("the top level") else homes[0]

    def mark_homes(self, node: FieldNode) -> None:
        """A field written outside its block is lost in every block it may belong to (one per architecture)."""
        for home in homes_of(self.root, node.name):
            self.damaged.append((node.name if home == _("the top level") else f"{home}.{node.name}", True))

    def misplaced_run(self, node: FieldNode, descriptor, prefix: str, problem: TextProtoSyntaxError, home: str) -> bool:
        """Fields of another block written in a row in one block are one error: True when this one joined it."""
        run = self.misplaced
        if run is None or run[0] != prefix or run[1] != home:
            self.misplaced = (prefix, home, problem, [node])
            return False
        self.mark_homes(node)
        run[3].append(node)
        names = ", ".join(n.name for n in run[3])
        problem = run[2]
        problem.message = _(
            "{type} has no fields {names} (in {where}, lines {first}-{last})",
            type=descriptor.full_name,
            names=names,
            where=prefix or _("the top level"),
            first=run[3][0].name_token.line,
            last=node.name_token.line,
        )
        problem.hint = _(
            "they belong in {home}: move them there; a closing brace may be missing or misplaced above",
            home=run[1] or _("the top level"),
        )
        return True

    def note_oneof(self, node: FieldNode, field_descriptor, prefix: str, members: dict) -> None:
        """A second member of a oneof in one block replaces the first, as with Merge: noted for PC012."""
        if field_descriptor.containing_oneof is not None and not node.is_extension:
            oneof = field_descriptor.containing_oneof.name
            earlier = members.get(oneof)
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
            members[oneof] = (node.name, self._location(node))

    def belongs_above(self, node: FieldNode) -> bool:
        """A field unknown here but known to an enclosing block, in a file that ends inside a block."""
        if not self.unclosed or node.is_extension or len(self.stack) < 2:
            return False
        return any(node.name in descriptor.fields_by_name for descriptor in self.stack[:-1])

    def fits(self, node: FieldNode, descriptor) -> bool:
        return node.is_extension or node.name in descriptor.fields_by_name

    def hoist(self, node: FieldNode, prefix: str) -> None:
        """The first field after a missing brace: one error naming the block left open, replacing the end-of-file one."""
        if self.replaced is not None or self.end_error is None:
            return
        block = prefix.rsplit(".", 1)[-1].split("[")[0]
        opened = self.locations.get(prefix)
        self.replaced = self.end_error
        self.errors.append(
            self.error(
                node,
                _(
                    "{name} is not a field of {block}: the closing brace of {block} is missing",
                    name=node.name,
                    block=block,
                ),
                hint=_(
                    "close {block} {{ (opened at line {line}) with }} before line {before}",
                    block=block,
                    line=opened.line if opened else "?",
                    before=node.name_token.line,
                ),
            )
        )

    def bind_value(self, node: FieldNode, value, field_descriptor, path: str, message) -> list[FieldNode]:
        if is_message(field_descriptor):
            if not isinstance(value, MessageValue):
                raise self.error(
                    node,
                    _('"{name}" is a block: write {name} {{ ... }}, not a value', name=node.name),
                    token=value.tokens[0],
                )
            location = self._location(node, value)
            if path in self.locations and not is_repeated(field_descriptor):
                self.notes.append(Note("duplicate", path, self.locations[path], location, detail="block"))
            self.locations[path] = location
            if field_descriptor.message_type.GetOptions().map_entry:
                self.bind_map_entry(value, field_descriptor, path, message)
                return []
            child = child_message(message, field_descriptor)
            self.stack.append(field_descriptor.message_type)
            try:
                hoisted = self.bind(value.fields, field_descriptor.message_type, path, child)
            finally:
                self.stack.pop()
            self.mark_skipped(value.skipped, without_indexes(path))
            return hoisted
        location = self.scalar_location(node, value, field_descriptor, path)
        if location is not None:
            store_scalar(message, field_descriptor, location.parsed)
        return []

    def bind_scalar_run(self, nodes: list[FieldNode], field_descriptor, path: str, prefix: str, message) -> None:
        """Items of one repeated scalar field written in a row, stored in one call."""
        index, parsed = self.repeat_counts.get(path, 0), []
        for node in nodes:
            for value in node.values:
                item_path, index = f"{path}[{index}]", index + 1
                if path not in self.locations:
                    self.locations[path] = self._location(node)
                try:
                    location = self.scalar_location(node, value, field_descriptor, item_path)
                except TextProtoSyntaxError as problem:
                    self.fail(node, prefix, problem, exact=path)
                    continue
                if location is not None:
                    parsed.append(location.parsed)
        self.repeat_counts[path] = index
        store_scalars(message, field_descriptor, parsed)

    def scalar_location(self, node: FieldNode, value, field_descriptor, path: str) -> FieldLocation | None:
        """The value converted and where it is written, recorded at `path`; None for a broken string."""
        if isinstance(value, MessageValue):
            raise self.error(node, _('"{name}" takes a value, not a block {{ ... }}', name=node.name), token=value.open)
        if value.tokens[0].broken or (len(value.tokens) > 1 and any(token.broken for token in value.tokens)):
            self.damaged.append((without_indexes(path), True))  # its string is reported by the tokenizer
            return None
        location = self._location(node, value)
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
        location.float32 = field_descriptor.type == field_descriptor.TYPE_FLOAT
        self.locations[path] = location
        return location

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
                hint = extension_hint(descriptor.name)
                raise self.error(
                    node, _("extension {name} is not known to the OD API's public protos", name=node.name), hint=hint
                ) from None
        found = descriptor.fields_by_name.get(node.name)
        if found is not None:
            return found
        return self.unknown(node, descriptor, prefix)

    def unknown(self, node: FieldNode, descriptor, prefix: str):
        raise self.unknown_error(node, descriptor, prefix)

    def unknown_error(self, node: FieldNode, descriptor, prefix: str) -> TextProtoSyntaxError:
        return unknown_field_error(self, node, descriptor, prefix)

    def error(self, node: FieldNode, message: str, hint: str | None = None, token=None) -> TextProtoSyntaxError:
        token = token or node.name_token
        return TextProtoSyntaxError(message, token.line, token.column, self.source.line_text(token.line), hint)

    def _location(self, node: FieldNode, value=None) -> FieldLocation:
        return FieldLocation(node.name_token.line, node.name_token.column, node, value)
