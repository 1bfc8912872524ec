"""Protobuf text format with positions: parse pipeline.config and label maps, edit them in place."""

from pipecheck.textproto.located import FieldLocation, LocatedMessage, Note, parse_located
from pipecheck.textproto.tokens import TextProtoSyntaxError

__all__ = ["FieldLocation", "LocatedMessage", "Note", "parse_located", "TextProtoSyntaxError"]
