"""Where a file stops being UTF-8, and which code page most likely wrote it (catalogue U-06).

TensorFlow's GFile.read() decodes the whole file, comments included, so one byte of a
Windows-1252 apostrophe or of a GBK comment stops the OD API before anything is parsed.
"""

from __future__ import annotations

from pipecheck.i18n import _

# Windows-1252's printable bytes in 0x80-0x9f (Latin-1 has control characters there).
_CP1252_ONLY = frozenset(
    b"\x80\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8e\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9e\x9f"
)


def undecodable(data: bytes, start: int) -> tuple[int, int, str, str]:
    """(line, column, message, hint) for the first byte at `start` that is not UTF-8."""
    line = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    byte = data[start]
    message = _("byte 0x{byte:02x} is not UTF-8", byte=byte)
    if b"#" in data[line_start:start]:
        message += _(" (in a comment: TensorFlow decodes the whole file, comments included)")
    page = code_page(data, start)
    if page is None:
        hint = _("save the file as UTF-8 (an editor set to Latin-1 or Windows-1252 wrote it)")
    else:
        hint = _(
            "it looks like {page}: save the file as UTF-8 (iconv -f {codec} -t UTF-8)", page=page[0], codec=page[1]
        )
    return line, start - line_start + 1, message, hint


def code_page(data: bytes, start: int) -> tuple[str, str] | None:
    """(name, iconv codec) of the code page the bytes at `start` most likely come from."""
    byte, following = data[start], data[start + 1 : start + 2]
    if byte in _CP1252_ONLY and (not following or following[0] < 0x80):
        return "Windows-1252", "CP1252"
    if 0x81 <= byte <= 0xFE and following and following[0] >= 0x40:
        try:
            character = data[start : start + 2].decode("gbk")
        except UnicodeDecodeError:
            character = ""
        if character and "\u4e00" <= character <= "\u9fff":
            return "GBK (Chinese)", "GBK"
    if byte >= 0xA0 and (not following or following[0] < 0x80):
        return "Latin-1 or Windows-1252", "CP1252"
    return None
