"""Convert scalar tokens the way text_format does, with messages that say what to write."""

from __future__ import annotations

import re
import warnings

from google.protobuf import text_encoding

from pipecheck.i18n import _
from pipecheck.textproto.tokens import IDENT, NUMBER, STRING, Token

# Number syntax as google.protobuf.text_format reads it (ParseInteger, ParseFloat, ParseBool).
_C_OCTAL = re.compile(r"(-?)0(\d+)$")
_OCTAL_FLOAT = re.compile(r"-?0[0-9]+")
_INFINITY = re.compile(r"-?inf(?:inity)?f?$", re.IGNORECASE)
_NAN = re.compile(r"nanf?$", re.IGNORECASE)
_TRUE, _FALSE = ("true", "t", "1", "True"), ("false", "f", "0", "False")
_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


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
        raise ValueError_(
            _(
                "{name} takes a {kind}, not a string ({text})",
                name=field_descriptor.name,
                kind=_type_name(field_descriptor),
                text=first.text,
            ),
            first,
            hint=_unquote_hint(field_descriptor, first.text),
        )
    text = "".join(t.text for t in tokens)
    try:
        if kind == field_descriptor.TYPE_BOOL:
            return parse_bool(text)
        if kind == field_descriptor.TYPE_ENUM:
            return _enum(field_descriptor, text, first)
        if kind in (field_descriptor.TYPE_FLOAT, field_descriptor.TYPE_DOUBLE):
            return parse_float(text)
        signed = kind in (
            field_descriptor.TYPE_INT32,
            field_descriptor.TYPE_INT64,
            field_descriptor.TYPE_SINT32,
            field_descriptor.TYPE_SINT64,
            field_descriptor.TYPE_SFIXED32,
            field_descriptor.TYPE_SFIXED64,
        )
        is_long = kind in (
            field_descriptor.TYPE_INT64,
            field_descriptor.TYPE_UINT64,
            field_descriptor.TYPE_SINT64,
            field_descriptor.TYPE_FIXED64,
            field_descriptor.TYPE_SFIXED64,
        )
        return parse_integer(text, signed, is_long)
    except ValueError as error:
        hint = None
        if (
            kind not in (field_descriptor.TYPE_FLOAT, field_descriptor.TYPE_DOUBLE)
            and first.kind == NUMBER
            and "." in text
        ):
            hint = _(
                "{name} is a whole number: write {value}", name=field_descriptor.name, value=text.split(".")[0] or "0"
            )
        raise ValueError_(_("{name}: {error}", name=field_descriptor.name, error=error), first, hint=hint) from None


def parse_bool(text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_('Expected "true" or "false".'))


def parse_integer(text: str, signed: bool = True, is_long: bool = False) -> int:
    octal = _C_OCTAL.match(text)
    try:
        value = int(octal.group(1) + "0o" + octal.group(2) if octal else text, 0)
    except ValueError:
        raise ValueError(_("Couldn't parse integer: {text}", text=text)) from None
    low, high = _RANGES[("" if signed else "u") + ("int64" if is_long else "int32")]
    if not low <= value <= high:
        raise ValueError(
            _(
                "Couldn't parse integer: {text} (out of range for {bits} bits)",
                text=text,
                bits=("" if signed else "unsigned ") + ("64" if is_long else "32"),
            )
        )
    return value


def parse_float(text: str) -> float:
    if _OCTAL_FLOAT.match(text):
        raise ValueError(_("Invalid octal float: {text}", text=text))
    try:
        return float(text)
    except ValueError:
        if _INFINITY.match(text):
            return float("-inf") if text.startswith("-") else float("inf")
        if _NAN.match(text):
            return float("nan")
        try:
            return float(text.rstrip("fF"))
        except ValueError:
            raise ValueError(_("Couldn't parse float: {text}", text=text)) from None


def _string(field_descriptor, tokens: list[Token]) -> str | bytes:
    body = tokens[0].text[1:-1]
    if len(tokens) == 1 and tokens[0].kind == STRING and body.isascii() and "\\" not in body:
        # nothing to unescape (CUnescape would give the text back): 100,000 paths skip it
        return body.encode("ascii") if field_descriptor.type == field_descriptor.TYPE_BYTES else body
    pieces = []
    for token in tokens:
        if token.kind != STRING:
            hint = _("put the value in double quotes")
            if token.kind in (IDENT, NUMBER):
                hint = _(
                    'put the value in double quotes: {name}: "{text}"', name=field_descriptor.name, text=token.text
                )
            raise ValueError_(
                _("{name} takes a quoted string, found {text}", name=field_descriptor.name, text=token.text),
                token,
                hint=hint,
            )
        try:
            with warnings.catch_warnings():  # "invalid escape sequence": PC013 explains it better
                warnings.simplefilter("ignore", DeprecationWarning)
                pieces.append(text_encoding.CUnescape(token.text[1:-1]))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError_(
                _(
                    "{name}: invalid escape in {text} ({error})",
                    name=field_descriptor.name,
                    text=token.text,
                    error=error,
                ),
                token,
                hint=_("backslashes are escapes in text format (\\t is a tab, \\n a newline): write paths with /"),
            ) from None
    joined = b"".join(pieces)
    if field_descriptor.type == field_descriptor.TYPE_BYTES:
        return joined
    try:
        return joined.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError_(_("{name}: the string is not valid UTF-8", name=field_descriptor.name), tokens[0]) from None


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
    hint = _("did you mean {name}?", name=close[0]) if close else _("one of: {names}", names=", ".join(names))
    raise ValueError_(
        _('{name}: {type} has no value named "{text}"', name=field_descriptor.name, type=enum_type.name, text=text),
        token,
        hint=hint,
    )


def _type_name(field_descriptor) -> str:
    if field_descriptor.type == field_descriptor.TYPE_BOOL:
        return _("true/false")
    if field_descriptor.type == field_descriptor.TYPE_ENUM:
        return _("{type} value", type=field_descriptor.enum_type.name)
    if field_descriptor.type in (field_descriptor.TYPE_FLOAT, field_descriptor.TYPE_DOUBLE):
        return _("number")
    return _("whole number")


def _unquote_hint(field_descriptor, quoted: str) -> str:
    return _("remove the quotes: {name}: {value}", name=field_descriptor.name, value=quoted[1:-1])


def extension_hint(block: str) -> str:
    """What to do with an unknown [extension] in `block`: the zoo's configs carry one, Google's internal reader."""
    if block == "InputReader":
        return _('this is a Google-internal input reader; use tf_record_input_reader {{ input_path: "..." }} instead')
    return _("remove it: the OD API's public {block} has no extension", block=block)
