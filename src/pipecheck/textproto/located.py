"""Bind a text-format tree to a message type: the message plus where every field was written.

The message is built with the semantics of google.protobuf.text_format.Merge, which the OD API
uses (`config_util.get_configs_from_pipeline_file`): a scalar written twice keeps the last
value, a second oneof member replaces the first, blocks written twice merge (the tests compare
the result with Merge on every zoo config). Building it here, rather than calling Merge, costs
a fraction of the time and adds what Merge throws away: a line:column for every field path, a
did-you-mean for unknown fields, and notes on what Merge accepts silently.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.textproto.binder import Binder, FieldLocation, Note, without_indexes
from pipecheck.textproto.syntax import Document, ScalarValue, parse_document
from pipecheck.textproto.tokens import IDENT, NUMBER, STRING, Comment, SourceText, TextProtoSyntaxError, tokenize


@dataclass
class LocatedMessage:
    path: Path
    source: SourceText
    message: object
    locations: dict[str, FieldLocation]
    comments: list[Comment]
    notes: list[Note] = field(default_factory=list)
    document: Document | None = None
    errors: list[TextProtoSyntaxError] = field(default_factory=list)  # only from a recovering parse
    damaged: list[tuple[str, bool]] = field(default_factory=list)  # (path, exact): fields lost to errors

    def is_damaged(self, field_path: str | None) -> bool:
        """True when a syntax error may have lost this field: rules cannot trust what they read there.

        An exact path covers the field and what is inside it; a block's path (exact False) covers
        every field of the block that is not written, since the lost one may be any of them.
        """
        if not field_path:
            return False
        plain = without_indexes(field_path)
        for lost, exact in self.damaged:
            path = without_indexes(lost)  # eval_input_reader[0] is lost whether a rule names its index or not
            if exact and (plain == path or plain.startswith(path + ".")):
                return True
            if not exact and (plain.startswith(path + ".") or not path) and not self.written(field_path):
                return True
        return False

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


def parse_located(path: Path, text: str, message_class: type, recover: bool = False) -> LocatedMessage:
    """Parse `text` as `message_class`; raise TextProtoSyntaxError with a position on failure.

    With `recover`, every syntax error is collected in `errors` instead, parsing goes on after
    each, and `damaged` names the fields that were lost (the message holds the rest).
    """
    source = SourceText(text)
    token_errors: list[TextProtoSyntaxError] = [] if recover else None
    with collector_paused():
        tokens, comments = tokenize(source, token_errors)
        document = parse_document(source, tokens, [] if recover else None)
        binder = Binder(source, message_class.DESCRIPTOR, document if recover else None)
        message = message_class()
        binder.bind_all(document.fields, document.skipped, message)
    errors = _one_per_cause(token_errors or [], document.errors, binder)
    if errors and not recover:
        raise errors[0]
    collapsed = _stray_tail(errors, document, binder, source)
    if len(collapsed) < len(errors):  # what followed the last block held no field of the config's to lose
        binder.damaged = [entry for entry in binder.damaged if entry != ("", False)]
    errors = collapsed
    located = LocatedMessage(path, source, message, binder.locations, comments, binder.notes, document)
    located.errors, located.damaged = errors, binder.damaged
    return located


@contextmanager
def collector_paused():
    """The cyclic garbage collector off while the block runs: 100,000 paths make a million objects, none in a
    cycle, and every automatic collection on the way would walk all those made so far (half the parse's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _stray_tail(errors, document: Document, binder, source: SourceText) -> list[TextProtoSyntaxError]:
    """Errors between two top-level blocks that parse are one cause: the first is kept, naming the lines.

    After the last block they are text left behind (a partial save, a paste); between blocks, what
    follows a closing brace too many (the rest of the block it closed early, its own closing braces).
    """
    good = [node for node in document.fields if node.name in binder.locations]
    spans = sorted((node.start, node.end) for node in good)
    gaps: dict[int, list] = {}
    for error in errors:
        offset = source.line_start(error.line) + error.column - 1
        if any(start <= offset < end for start, end in spans):
            continue
        gaps.setdefault(sum(1 for _start, end in spans if end <= offset), []).append(error)
    dropped = set()
    for after, run in gaps.items():
        if len(run) < 2:
            continue
        first, last = run[0], run[-1]
        values = {"first": first.line, "last": last.line, "count": len(run)}
        first.hint = (
            _(
                "lines {first}-{last}, after the last block that parses, hold {count} syntax errors: text left "
                "from an earlier version of the file or a paste? Delete it, or rewrite it as fields",
                **values,
            )
            if after == len(spans)
            else _(
                "lines {first}-{last} hold {count} syntax errors between blocks: a closing brace too many at line "
                "{first} (or an opening one missing above) ends a block early, and what followed it is read at "
                "the top level",
                **values,
            )
        )
        dropped.update(id(error) for error in run[1:])
    return [error for error in errors if id(error) not in dropped]


def _one_per_cause(token_errors, parse_errors, binder) -> list[TextProtoSyntaxError]:
    """Every error once, in file order: a broken string the parser already reported on its line goes."""
    parsed_lines = {error.line for error in parse_errors}
    errors = [error for error in token_errors if error.line not in parsed_lines]
    errors += [error for error in parse_errors if error is not binder.replaced]
    errors += binder.errors
    return sorted(errors, key=lambda error: (error.line, error.column))


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
