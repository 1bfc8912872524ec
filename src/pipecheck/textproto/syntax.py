"""Parse text-format tokens into a schema-free tree of fields that keeps every position.

The tree is what the located binder walks against the schema, and what the editor uses to
change a value in place without touching comments or layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipecheck.i18n import _
from pipecheck.textproto.tokens import (
    IDENT,
    NUMBER,
    STRING,
    SYMBOL,
    SourceText,
    TextProtoSyntaxError,
    Token,
    numbered_listing_hint,
    stray_hint,
)

NESTING_LIMIT = 100  # blocks inside blocks; the OD API's deepest config nests 9


@dataclass(slots=True)
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
class Skipped:
    """Tokens passed over after a syntax error, and the field names written among them."""

    start: Token
    names: list[str]  # the broken field's name first, when it was read


@dataclass
class MessageValue:
    open: Token
    close: Token | None  # None when the file ends before the block is closed (recovering parse)
    fields: list[FieldNode] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    name: str = ""


@dataclass(slots=True)
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
    skipped: list[Skipped] = field(default_factory=list)
    unclosed: list[MessageValue] = field(default_factory=list)  # blocks the file ends inside, innermost first
    errors: list[TextProtoSyntaxError] = field(default_factory=list)
    end_error: TextProtoSyntaxError | None = None  # the file ends inside a block


def parse_document(source: SourceText, tokens: list[Token], errors: list | None = None) -> Document:
    """The tree of fields; the first syntax error is raised, or with `errors` given, collected there
    while parsing goes on at the next field of the same block (the way ruff recovers)."""
    parser = _Parser(source, tokens, errors)
    skipped: list[Skipped] = []
    fields = parser.fields_until(None, skipped)
    return Document(source, fields, skipped, parser.unclosed, parser.errors, parser.end_error)


class _Parser:
    def __init__(self, source: SourceText, tokens: list[Token], errors: list | None = None):
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.recovering = errors is not None
        self.errors: list[TextProtoSyntaxError] = errors if errors is not None else []
        self.unclosed: list[MessageValue] = []
        self.end_error: TextProtoSyntaxError | None = None

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

    def fields_until(self, closing: str | None, skipped: list[Skipped], block: MessageValue | None = None):
        fields, tokens = [], self.tokens
        while True:
            if self.index >= len(tokens):
                if closing is not None:
                    self._end_inside(closing, block)
                return fields
            token = tokens[self.index]
            if token.kind == SYMBOL and token.text == closing:
                return fields
            start = self.index
            try:
                fields.append(self.field())
            except TextProtoSyntaxError as problem:
                if not self.recovering or self.depth >= NESTING_LIMIT:
                    raise
                self.errors.append(problem)
                skipped.append(self._skip_to_next_field(start, problem.line))

    def _end_inside(self, closing: str, block: MessageValue | None) -> None:
        """The file ends inside a block: one error, naming where the innermost open block began."""
        if block is not None:
            self.unclosed.append(block)
        if len(self.unclosed) > 1:
            return  # the enclosing blocks end here for the same missing brace
        opened = block.open if block is not None else None
        problem = self.error(
            _('expected "{closing}" before the end of the file', closing=closing),
            None,
            hint=_(
                "a closing brace is missing; {name} {{ opened at line {line} is never closed",
                name=block.name,
                line=opened.line,
            )
            if opened is not None
            else _("a closing brace is missing; every {{ needs its }}"),
        )
        if not self.recovering:
            raise problem
        self.errors.append(problem)
        self.end_error = problem

    def _skip_to_next_field(self, start: int, error_line: int) -> Skipped:
        """Pass over tokens to the next field of this block (a name starting a later line), or its end."""
        self.index = max(self.index, start + 1)
        names = [self.tokens[start].text] if self.tokens[start].kind == IDENT else []
        depth = 0
        while (token := self.peek()) is not None:
            if self.is_symbol(token, "{", "<"):
                depth += 1
            elif self.is_symbol(token, "}", ">"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and token.kind == IDENT and token.line > error_line and self._starts_field(self.index):
                break
            elif depth == 0 and token.kind == IDENT and self._starts_field(self.index):
                names.append(token.text)
            self.index += 1
        return Skipped(self.tokens[start], names)

    def _starts_field(self, index: int) -> bool:
        previous = self.tokens[index - 1] if index > 0 else None
        after = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        new_line = previous is None or previous.line < self.tokens[index].line
        return new_line and self.is_symbol(after, ":", "{", "<")

    def field(self) -> FieldNode:
        plain = self._plain_field()
        if plain is not None:
            return plain
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
            values: list[ScalarValue | MessageValue] = [self.message(name)]
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
            self._check_value_ends(name, values[0])
        end = self.tokens[self.index - 1].end
        if self.is_symbol(self.peek(), ",", ";"):
            end = self.take().end
        return FieldNode(name, name_token, values, end, is_list=is_list, is_extension=is_extension)

    def _plain_field(self) -> FieldNode | None:
        """`name: value` alone on its line (most lines of a config), read at once; None for anything else,
        which field() reads token by token with the same result."""
        tokens, index = self.tokens, self.index
        if index + 2 >= len(tokens):
            return None
        name_token, colon, value = tokens[index], tokens[index + 1], tokens[index + 2]
        if name_token.kind != IDENT or colon.text != ":" or value.kind == SYMBOL or value.line != colon.line:
            return None  # (no token but the symbol has the text ":", a string's keeps its quotes)
        following = tokens[index + 3] if index + 3 < len(tokens) else None
        if following is not None and (
            following.line == value.line or not (following.kind == IDENT or following.text in ("}", ">"))
        ):
            return None  # strings to join, a separator, something after the value: field() sees to them
        self.index = index + 3
        return FieldNode(name_token.text, name_token, [ScalarValue([value])], value.end)

    def _check_value_ends(self, name: str, value: ScalarValue) -> None:
        """After a value, its line holds nothing but a separator, a closing brace or another field."""
        token = self.peek()
        if token is None or token.line != value.tokens[-1].line or self.is_symbol(token, ",", ";", "}", ">"):
            return
        if token.kind == IDENT and self._field_follows(self.index):
            return
        if self.is_symbol(token, "["):
            return
        if token.kind == SYMBOL and token.text in ":/\\." and value.tokens[-1].kind in (IDENT, NUMBER):
            raise self.error(
                _("expected a quoted string, found {text}", text=value.tokens[-1].text),
                value.tokens[-1],
                hint=_('quote paths and names: "..." (and write paths with forward slashes)'),
            )
        line = self.source.line_text(token.line)
        rest = line[token.column - 1 :].split("#", 1)[0].strip()
        inner = value.text.strip("\"'")
        pasted = rest.strip("\"' ")
        if pasted and inner and (pasted in inner or inner in pasted):
            hint = _(
                "the value is pasted inside itself: delete {pasted} so that the line reads {name}: {value}",
                pasted=rest,
                name=name,
                value=value.text,
            )
        else:
            hint = _("one value per field: delete {rest}, or put it on its own line as a field", rest=rest)
        raise self.error(_("unexpected {text} after the value of {name}", text=rest, name=name), token, hint=hint)

    def _field_follows(self, index: int) -> bool:
        after = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        return self.is_symbol(after, ":", "{", "<")

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
            _("expected a field name, found {text!r}", text=token.text),
            token,
            hint=stray_hint(token) or numbered_listing_hint(self.source),
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

    def message(self, name: str = "") -> MessageValue:
        opening = self.take()
        closing = "}" if opening.text == "{" else ">"
        if self.depth >= NESTING_LIMIT:  # the parser recurses; Python's stack would give up a little later
            raise self.error(
                _("more than {limit} blocks inside one another", limit=NESTING_LIMIT),
                opening,
                hint=_("a pipeline.config nests about 9 deep; look for a block opened in a loop"),
            )
        self.depth += 1
        block = MessageValue(opening, None, name=name)
        block.fields = self.fields_until(closing, block.skipped, block)
        self.depth -= 1
        if self.peek() is not None:
            block.close = self.take()
        return block

    def list_values(self) -> list[ScalarValue | MessageValue]:
        opening = self.take()
        values: list[ScalarValue | MessageValue] = []
        if self.is_symbol(self.peek(), "]"):
            self.take()
            return values
        while True:
            if self.is_symbol(self.peek(), "{", "<"):
                values.append(self.message("list"))
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
            hint=stray_hint(token),
        )
