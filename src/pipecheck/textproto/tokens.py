"""Split protobuf text format into tokens that remember where they are.

The token classes follow google.protobuf.text_format's tokenizer so that what parses there
parses here; comments are kept aside because suppressions live in them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from pipecheck.i18n import _

IDENT, NUMBER, STRING, SYMBOL = "identifier", "number", "string", "symbol"

# One match a token, the blanks before it included; a symbol is any other character (the typographic quotes too).
# Most lines are `name: value` with a plain value: one match gives their three tokens (`field`), the same three
# that the other alternatives give one by one.
_TOKEN = re.compile(
    r"[ \t\r\n\f\v]*(?:"
    r"(?P<field>(?P<name>[a-zA-Z_][0-9a-zA-Z_+-]*)[ \t]*(?P<colon>:)[ \t]*"
    r"(?P<value>\"[^\"\n\\]*\"|'[^'\n\\]*'|[a-zA-Z_][0-9a-zA-Z_+-]*|(?:[0-9+-]|\.[0-9])[0-9a-zA-Z_.+-]*))"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<identifier>[a-zA-Z_][0-9a-zA-Z_+-]*)"
    r"|(?P<number>(?:[0-9+-]|\.[0-9])[0-9a-zA-Z_.+-]*)"
    r"|(?P<string>\"[^\"\n\\]*(?:(?:\\.)+[^\"\n\\]*)*(?:\"|\\?$)|'[^'\n\\]*(?:(?:\\.)+[^'\n\\]*)*(?:'|\\?$))"
    r"|(?P<symbol>[^ \t\r\n\f\v]))",
    re.MULTILINE,
)

TYPOGRAPHIC_QUOTES = "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb"


@dataclass(slots=True, unsafe_hash=True)  # not frozen: a frozen __init__ sets each field through object.__setattr__,
class Token:  # four times the cost, and a config of 100,000 paths has 300,000 tokens; nothing changes a token
    kind: str
    text: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    start: int  # offset in the source text
    end: int
    broken: bool = False  # a string recovered after a syntax error: its value is not what the OD API reads


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    line: int
    column: int
    own_line: bool  # nothing but blanks before it on its line


class TextProtoSyntaxError(Exception):
    """A syntax error at a position, with the offending text and a hint for people."""

    def __init__(self, message: str, line: int, column: int, snippet: str = "", hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.snippet = snippet
        self.hint = hint
        self.cause: str | None = None  # errors of one cause (one unknown field in several blocks) are one finding


class SourceText:
    """Text plus fast offset -> (line, column) conversion."""

    def __init__(self, text: str):
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def line_text(self, line: int) -> str:
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end]

    def line_count(self) -> int:
        return len(self._line_starts)

    def line_start(self, line: int) -> int:
        return self._line_starts[line - 1]


def tokenize(source: SourceText, errors: list | None = None) -> tuple[list[Token], list[Comment]]:
    """Tokens and comments; the first syntax error is raised, or with `errors` given, collected there
    while the broken string becomes one token to go on with."""
    text = source.text
    tokens: list[Token] = []
    comments: list[Comment] = []
    offset, last_line_with_token = 0, 0
    match_at, starts, after = _TOKEN.match, source._line_starts, bisect.bisect_right  # once, not once a token
    while (match := match_at(text, offset)) is not None:  # None: only blanks are left
        kind = match.lastgroup
        start, offset = match.start(kind), match.end()
        line = after(starts, start)  # source.position(start), inline: it runs for every token
        column = start - starts[line - 1] + 1
        if kind == "field":
            tokens += _field_tokens(match, line, starts[line - 1])
            last_line_with_token = line
            continue
        token_text = match.group(kind)
        if kind == "comment":
            comments.append(Comment(token_text, line, column, own_line=last_line_with_token != line))
            continue
        broken = False
        if kind == SYMBOL and token_text in TYPOGRAPHIC_QUOTES:
            problem = _typographic_quote(source, token_text, line, column)
            if errors is None:
                raise problem
            errors.append(problem)
            offset = _typographic_end(text, start)
            token_text, kind, broken = text[start:offset], STRING, True
        elif kind == STRING and (len(token_text) < 2 or token_text[-1] != token_text[0] or token_text[-2] == "\\"):
            try:  # not plainly closed (the closing quote is the opening one, not escaped): looked at closely
                _check_string_closed(token_text, source, line, column)
            except TextProtoSyntaxError as problem:
                if errors is None:
                    raise
                errors.append(problem)
                broken = True
        tokens.append(Token(kind, token_text, line, column, start, offset, broken))
        last_line_with_token = line
    return tokens, comments


_IDENTIFIER_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")


def _field_tokens(match: re.Match, line: int, line_start: int) -> tuple[Token, Token, Token]:
    """The name, the colon and the value of a `field` match, all on one line."""
    (start, name_end), colon, (value, end) = match.span("name"), match.start("colon"), match.span("value")
    text = match.string
    first = text[value]
    kind = STRING if first in "\"'" else IDENT if first in _IDENTIFIER_START else NUMBER
    return (
        Token(IDENT, text[start:name_end], line, start - line_start + 1, start, name_end),
        Token(SYMBOL, ":", line, colon - line_start + 1, colon, colon + 1),
        Token(kind, text[value:end], line, value - line_start + 1, value, end),
    )


def _typographic_quote(source: SourceText, char: str, line: int, column: int) -> TextProtoSyntaxError:
    return TextProtoSyntaxError(
        _("typographic quote {char!r} (U+{code:04X}) where a string should start", char=char, code=ord(char)),
        line,
        column,
        source.line_text(line),
        hint=_('use straight quotes: "..." (text pasted from a web page or a word processor brings curly ones)'),
    )


def _typographic_end(text: str, offset: int) -> int:
    """Just past the curly quote that closes the one at `offset`, or the end of its line."""
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    for index in range(offset + 1, line_end):
        if text[index] in TYPOGRAPHIC_QUOTES:
            return index + 1
    return line_end


def _check_string_closed(token_text: str, source: SourceText, line: int, column: int) -> None:
    quote = token_text[0]
    closed = len(token_text) >= 2 and token_text.endswith(quote) and not _ends_with_escape(token_text[1:-1])
    if closed:
        return
    other = "'" if quote == '"' else '"'
    hint = None
    if other in token_text[1:]:
        hint = _(
            "the string opens with {opening} and closes with {closing}; use the same quote on both sides",
            opening=quote,
            closing=other,
        )
    elif token_text.endswith("\\"):
        hint = _("a backslash escapes the closing quote; write paths with forward slashes (/)")
    raise TextProtoSyntaxError(
        _("string missing ending quote: {text}", text=token_text), line, column, source.line_text(line), hint=hint
    )


def _ends_with_escape(body: str) -> bool:
    trailing = len(body) - len(body.rstrip("\\"))
    return trailing % 2 == 1


def numbered_listing_hint(source: SourceText) -> str | None:
    """A file copied from a numbered listing: most of its first lines start with their own line number."""
    numbered = sum(
        1
        for line in range(1, min(10, source.line_count()) + 1)
        if re.match(rf"\s*{line}(?!\d)", source.line_text(line))
    )
    if numbered < 3:
        return None
    return _("every line starts with its line number (a numbered listing copied): delete the numbers")


def stray_hint(token: Token) -> str | None:
    if token.text == "\ufeff":
        return _("the file starts with a byte-order mark (BOM): save it as UTF-8 without BOM")
    if token.text == "\\":
        return _("backslashes are escapes in text format; write paths with forward slashes (/) inside quotes")
    return None
