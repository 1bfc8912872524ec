"""Parse text-format tokens into a schema-free tree of fields that keeps every position.

The tree is what the located binder walks against the schema, and what the editor uses to
change a value in place without touching comments or layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipecheck.i18n import _
from pipecheck.textproto.tokens import IDENT, NUMBER, STRING, SYMBOL, SourceText, TextProtoSyntaxError, Token

NESTING_LIMIT = 100  # blocks inside blocks; the OD API's deepest config nests 9


@dataclass
class ScalarValue:
    tokens: list[Token]  # several when adjacent strings concatenate, or "-" before inf/nan

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


@dataclass
class MessageValue:
    open: Token
    close: Token
    fields: list[FieldNode] = field(default_factory=list)


@dataclass
class FieldNode:
    name: str
    name_token: Token
    values: list[ScalarValue | MessageValue]  # one, or several for the [a, b] list form
    end: int  # offset just past the field, including a trailing , or ;
    is_list: bool = False
    is_extension: bool = False

    @property
    def start(self) -> int:
        return self.name_token.start


@dataclass
class Document:
    source: SourceText
    fields: list[FieldNode]


def parse_document(source: SourceText, tokens: list[Token]) -> Document:
    parser = _Parser(source, tokens)
    fields = parser.fields_until(None)
    return Document(source, fields)


class _Parser:
    def __init__(self, source: SourceText, tokens: list[Token]):
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, token: Token | None, hint: str | None = None) -> TextProtoSyntaxError:
        if token is None:
            line = self.source.text.count("\n") + 1
            column = len(self.source.line_text(line)) + 1
        else:
            line, column = token.line, token.column
        return TextProtoSyntaxError(message, line, column, self.source.line_text(line), hint)

    def is_symbol(self, token: Token | None, *symbols: str) -> bool:
        return token is not None and token.kind == SYMBOL and token.text in symbols

    def fields_until(self, closing: str | None) -> list[FieldNode]:
        fields = []
        while True:
            token = self.peek()
            if token is None:
                if closing is not None:
                    raise self.error(
                        _('expected "{closing}" before the end of the file', closing=closing),
                        None,
                        hint=_("a closing brace is missing; every {{ needs its }}"),
                    )
                return fields
            if self.is_symbol(token, closing or ""):
                return fields
            fields.append(self.field())

    def field(self) -> FieldNode:
        name_token = self.take()
        is_extension = False
        if self.is_symbol(name_token, "["):
            name = self.extension_name()
            is_extension = True
        elif name_token.kind == IDENT:
            name = name_token.text
        elif self.is_symbol(name_token, "}", ">"):
            raise self.error(
                _('unexpected "{text}"', text=name_token.text),
                name_token,
                hint=_("there is one closing brace too many, or an opening one is missing above"),
            )
        else:
            raise self._stray(name_token)
        separator = self.peek()
        has_colon = self.is_symbol(separator, ":")
        if has_colon:
            self.take()
        following = self.peek()
        if has_colon and self._value_is_missing(separator, following):
            raise self.error(
                _("{name} has no value", name=name),
                separator,
                hint=_("write {name}: value on this line, or delete the line", name=name),
            )
        is_list = False
        if self.is_symbol(following, "{", "<"):
            values: list[ScalarValue | MessageValue] = [self.message()]
        elif self.is_symbol(following, "["):
            if not has_colon and not self.is_symbol(
                self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None, "{", "<"
            ):
                raise self.error(_('expected ":" after "{name}"', name=name), following)
            values = self.list_values()
            is_list = True
        else:
            if not has_colon:
                raise self.error(
                    _('expected ":" after "{name}"', name=name),
                    following,
                    hint=_("write {name}: value, or {name} {{ ... }} for a block", name=name),
                )
            values = [self.scalar(name)]
        end = self.tokens[self.index - 1].end
        if self.is_symbol(self.peek(), ",", ";"):
            end = self.take().end
        return FieldNode(name, name_token, values, end, is_list=is_list, is_extension=is_extension)

    def _value_is_missing(self, colon: Token, following: Token | None) -> bool:
        """`name:` at the end of its line, the next line starting a field or closing the block."""
        if following is None:
            return True
        if following.line == colon.line:
            return False
        if self.is_symbol(following, "}", ">"):
            return True
        after = self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None
        return following.kind == IDENT and self.is_symbol(after, ":", "{", "<")

    def _stray(self, token: Token) -> TextProtoSyntaxError:
        """A token where a field name should be; often the rest of an unquoted value."""
        previous = self.tokens[self.index - 2] if self.index >= 2 else None
        if (
            previous is not None
            and previous.kind in (IDENT, NUMBER)
            and previous.line == token.line
            and token.kind == SYMBOL
            and token.text in ":/\\."
        ):
            return self.error(
                _("expected a quoted string, found {text}", text=previous.text),
                previous,
                hint=_('quote paths and names: "..." (and write paths with forward slashes)'),
            )
        return self.error(
            _("expected a field name, found {text!r}", text=token.text), token, hint=_hint_for_stray(token)
        )

    def extension_name(self) -> str:
        parts = []
        while True:
            token = self.peek()
            if token is None:
                raise self.error(_('expected "]"'), None)
            self.take()
            if self.is_symbol(token, "]"):
                return "[" + "".join(parts) + "]"
            parts.append(token.text)

    def message(self) -> MessageValue:
        opening = self.take()
        closing = "}" if opening.text == "{" else ">"
        if self.depth >= NESTING_LIMIT:  # the parser recurses; Python's stack would give up a little later
            raise self.error(
                _("more than {limit} blocks inside one another", limit=NESTING_LIMIT),
                opening,
                hint=_("a pipeline.config nests about 9 deep; look for a block opened in a loop"),
            )
        self.depth += 1
        fields = self.fields_until(closing)
        self.depth -= 1
        return MessageValue(opening, self.take(), fields)

    def list_values(self) -> list[ScalarValue | MessageValue]:
        opening = self.take()
        values: list[ScalarValue | MessageValue] = []
        if self.is_symbol(self.peek(), "]"):
            self.take()
            return values
        while True:
            if self.is_symbol(self.peek(), "{", "<"):
                values.append(self.message())
            else:
                values.append(self.scalar("list"))
            token = self.peek()
            if self.is_symbol(token, "]"):
                self.take()
                return values
            if not self.is_symbol(token, ","):
                raise self.error(_('expected "," or "]" in a list'), token or opening)
            self.take()

    def scalar(self, name: str) -> ScalarValue:
        token = self.peek()
        if token is None:
            raise self.error(_("expected a value for {name}", name=name), None)
        if token.kind == STRING:
            strings = [self.take()]
            while (nxt := self.peek()) is not None and nxt.kind == STRING:
                strings.append(self.take())
            return ScalarValue(strings)
        if token.kind in (IDENT, NUMBER):
            return ScalarValue([self.take()])
        if self.is_symbol(token, "-"):
            minus = self.take()
            nxt = self.peek()
            if nxt is not None and nxt.kind in (IDENT, NUMBER):
                return ScalarValue([minus, self.take()])
        raise self.error(
            _("expected a value for {name}, found {text!r}", name=name, text=token.text),
            token,
            hint=_hint_for_stray(token),
        )


def _hint_for_stray(token: Token) -> str | None:
    if token.text == "\ufeff":
        return _("the file starts with a byte-order mark (BOM): save it as UTF-8 without BOM")
    if token.text == "\\":
        return _("backslashes are escapes in text format; write paths with forward slashes (/) inside quotes")
    return None
