"""What an encoded image is, from its bytes alone: format, size, channels, EXIF orientation, completeness.

No pixels are decoded: the markers of a JPEG (SOF, APP1/Exif, SOS, EOI) and the chunks of a
PNG (IHDR, IEND) say what TensorFlow's decoders need to know, at a tiny fraction of the cost.
A JPEG without its end marker or a PNG without IEND was cut short, and fails to decode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pipecheck.i18n import _

_SOF_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}


@dataclass
class ImageInfo:
    format: str  # "jpeg", "png", "gif", "bmp" or "unknown"
    width: int = 0
    height: int = 0
    channels: int = 0  # components in the file: 1 grey, 3 colour, 4 CMYK (JPEG) or RGBA (PNG)
    orientation: int = 1  # EXIF orientation; 1 is upright
    complete: bool = True
    problem: str = ""


def inspect_image(data: bytes) -> ImageInfo:
    if data[:2] == b"\xff\xd8":
        return _jpeg(data)
    if data[:8] == _PNG_SIGNATURE:
        return _png(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10]) if len(data) >= 10 else (0, 0)
        return ImageInfo("gif", width, height, 3)
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return ImageInfo("bmp", width, abs(height), 3)
    if not data:
        return ImageInfo("unknown", complete=False, problem=_("no image bytes (image/encoded is empty)"))
    return ImageInfo(
        "unknown",
        complete=False,
        problem=_("not an image format TensorFlow decodes (starts with {head})", head=data[:4].hex()),
    )


def _jpeg(data: bytes) -> ImageInfo:
    info = ImageInfo("jpeg")
    position, size = 2, len(data)
    while position + 4 <= size:
        if data[position] != 0xFF:
            info.complete, info.problem = False, _("JPEG structure broken at byte {position}", position=position)
            return info
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01,) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        segment = data[position + 4 : position + 2 + length]
        if marker in _SOF_MARKERS and len(segment) >= 6:
            info.height, info.width = struct.unpack(">HH", segment[1:5])
            info.channels = segment[5]
        elif marker == 0xE1 and segment[:6] == b"Exif\0\0":
            info.orientation = _exif_orientation(segment[6:])
        elif marker == 0xDA:  # start of scan: entropy-coded data follows, up to the end marker
            if not data.rstrip(b"\0").endswith(b"\xff\xd9"):
                info.complete, info.problem = False, _("the JPEG has no end marker: the file was cut short")
            return info
        position += 2 + length
    info.complete, info.problem = False, _("the JPEG ends before its image data")
    return info


def _exif_orientation(tiff: bytes) -> int:
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    first = struct.unpack(order + "I", tiff[4:8])[0]
    if first + 2 > len(tiff):
        return 1
    count = struct.unpack(order + "H", tiff[first : first + 2])[0]
    for entry in range(count):
        start = first + 2 + 12 * entry
        if start + 12 > len(tiff):
            break
        tag, kind = struct.unpack(order + "HH", tiff[start : start + 4])
        if tag == 0x0112 and kind == 3:  # Orientation, SHORT
            return struct.unpack(order + "H", tiff[start + 8 : start + 10])[0]
    return 1


def _png(data: bytes) -> ImageInfo:
    if len(data) < 33 or data[12:16] != b"IHDR":
        return ImageInfo("png", complete=False, problem=_("the PNG has no IHDR header"))
    width, height, _depth, color_type = struct.unpack(">IIBB", data[16:26])
    info = ImageInfo("png", width, height, _PNG_CHANNELS.get(color_type, 0))
    if data[-12:-8] != b"\0\0\0\0" or data[-8:-4] != b"IEND":
        info.complete, info.problem = False, _("the PNG has no IEND chunk: the file was cut short")
    return info
