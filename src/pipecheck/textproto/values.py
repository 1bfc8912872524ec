"""Convert scalar tokens the way text_format does, with messages that say what to write."""

from __future__ import annotations

import warnings

from google.protobuf import text_encoding, text_format

from pipecheck.textproto.tokens import IDENT, NUMBER, STRING, Token

_BACKSLASH_HINT = "backslashes are escapes in text format (\\t is a tab, \\n a newline): write paths with /"


class ValueError_(Exception):  # noqa: N801  (not the builtin)
    def __init__(self, message: str, token: Token, hint: str | None = None):
        super().__init__(message)
        self.message, self.token, self.hint = message, token, hint


def convert_scalar(field_descriptor, tokens: list[Token]) -> object:
    kind = field_descriptor.type
    first = tokens[0]
    if kind in (field_descriptor.TYPE_STRING, field_descriptor.TYPE_BYTES):
        return _string(field_descriptor, tokens)
    if first.kind == STRING:
        raise ValueError_(f"{field_descriptor.name} takes a {_type_name(field_descriptor)}, not a string "
                          f"({first.text})", first, hint=_unquote_hint(field_descriptor, first.text))
    text = "".join(t.text for t in tokens)
    try:
        if kind == field_descriptor.TYPE_BOOL:
            return text_format.ParseBool(text)
        if kind == field_descriptor.TYPE_ENUM:
            return _enum(field_descriptor, text, first)
        if kind in (field_descriptor.TYPE_FLOAT, field_descriptor.TYPE_DOUBLE):
            return text_format.ParseFloat(text)
        signed = kind in (field_descriptor.TYPE_INT32, field_descriptor.TYPE_INT64, field_descriptor.TYPE_SINT32,
                          field_descriptor.TYPE_SINT64, field_descriptor.TYPE_SFIXED32, field_descriptor.TYPE_SFIXED64)
        is_long = kind in (field_descriptor.TYPE_INT64, field_descriptor.TYPE_UINT64, field_descriptor.TYPE_SINT64,
                           field_descriptor.TYPE_FIXED64, field_descriptor.TYPE_SFIXED64)
        return text_format.ParseInteger(text, is_signed=signed, is_long=is_long)
    except ValueError as error:
        hint = None
        if kind not in (field_descriptor.TYPE_FLOAT, field_descriptor.TYPE_DOUBLE) and first.kind == NUMBER \
                and "." in text:
            hint = f"{field_descriptor.name} is a whole number: write {text.split('.')[0] or '0'}"
        raise ValueError_(f"{field_descriptor.name}: {error}", first, hint=hint) from None


def _string(field_descriptor, tokens: list[Token]) -> str | bytes:
    pieces = []
    for token in tokens:
        if token.kind != STRING:
            hint = "put the value in double quotes"
            if token.kind in (IDENT, NUMBER):
                hint = f'put the value in double quotes: {field_descriptor.name}: "{token.text}"'
            raise ValueError_(f"{field_descriptor.name} takes a quoted string, found {token.text}", token, hint=hint)
        try:
            with warnings.catch_warnings():  # "invalid escape sequence": PC013 explains it better
                warnings.simplefilter("ignore", DeprecationWarning)
                pieces.append(text_encoding.CUnescape(token.text[1:-1]))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError_(f"{field_descriptor.name}: invalid escape in {token.text} ({error})", token,
                              hint=_BACKSLASH_HINT) from None
    joined = b"".join(pieces)
    if field_descriptor.type == field_descriptor.TYPE_BYTES:
        return joined
    try:
        return joined.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError_(f"{field_descriptor.name}: the string is not valid UTF-8", tokens[0]) from None


def _enum(field_descriptor, text: str, token: Token) -> str:
    enum_type = field_descriptor.enum_type
    if text in enum_type.values_by_name:
        return text
    try:
        number = int(text, 0)
    except ValueError:
        number = None
    if number is not None and number in enum_type.values_by_number:
        return enum_type.values_by_number[number].name
    names = list(enum_type.values_by_name)
    close = [name for name in names if name.lower() == text.lower()]
    hint = f"did you mean {close[0]}?" if close else f"one of: {', '.join(names)}"
    raise ValueError_(f'{field_descriptor.name}: {enum_type.name} has no value named "{text}"', token, hint=hint)


def _type_name(field_descriptor) -> str:
    if field_descriptor.type == field_descriptor.TYPE_BOOL:
        return "true/false"
    if field_descriptor.type == field_descriptor.TYPE_ENUM:
        return f"{field_descriptor.enum_type.name} value"
    if field_descriptor.type in (field_descriptor.TYPE_FLOAT, field_descriptor.TYPE_DOUBLE):
        return "number"
    return "whole number"


def _unquote_hint(field_descriptor, quoted: str) -> str:
    return f"remove the quotes: {field_descriptor.name}: {quoted[1:-1]}"
