"""Read TFRecord files without TensorFlow, checking the framing as TensorFlow's reader does.

A record is: uint64 length, uint32 masked CRC-32C of those 8 bytes, the data, uint32 masked
CRC-32C of the data (tensorflow/core/lib/io/record_writer.cc). TensorFlow checks a record's
CRCs only when it reaches it, mid-training, and names a byte offset; this reader names the
file, the record and the offset.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipecheck.artifacts.crc import crc32c, mask, masked_crc32c
from pipecheck.guarded import RECORD_LIMIT, open_regular
from pipecheck.i18n import _

_HEADER = struct.Struct("<QI")
_FOOTER = struct.Struct("<I")
MAX_RECORD = 1 << 34  # a length beyond 16 GiB is garbage, not a record
_CHUNK = 1 << 20


@dataclass
class FramingProblem:
    kind: str  # "length-crc", "data-crc", "truncated", "compressed"
    index: int
    offset: int
    message: str


def sniff_compression(head: bytes) -> str | None:
    """GZIP or ZLIB when the first bytes look like one and not like a TFRecord header."""
    if head[:2] == b"\x1f\x8b":
        return "GZIP"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        if len(head) < 12 or masked_crc32c(head[:8]) != _FOOTER.unpack(head[8:12])[0]:
            return "ZLIB"
    return None


class _ZlibReader:
    """A read(n) view of a ZLIB stream, for TFRecord files written with compression_type ZLIB.

    Never inflates more than asked for: a few KB of ZLIB can expand to gigabytes.
    """

    def __init__(self, raw):
        self.raw, self.inflater, self.buffer = raw, zlib.decompressobj(), b""

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size and not self.inflater.eof:
            chunk = self.inflater.unconsumed_tail or self.raw.read(_CHUNK)
            if not chunk:
                break
            self.buffer += self.inflater.decompress(chunk, size - len(self.buffer))
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


class RecordReader:
    """Iterate (index, offset, payload) over a TFRecord file; framing problems go to .problems.

    A length-CRC mismatch or a truncation ends the file (nothing after it can be framed);
    a data-CRC mismatch is reported and reading goes on. A compressed file is reported, then
    read through the decompressor so its contents can still be checked (offsets then count
    decompressed bytes).
    """

    def __init__(self, path: Path, verify: bool = True, on_bytes=None, limit: int = RECORD_LIMIT):
        self.path = Path(path)
        self.verify = verify
        self.on_bytes = on_bytes
        self.problems: list[FramingProblem] = []
        self.compression: str | None = None
        self.offsets: list[int] = []  # of every record whose header was read
        self.limit = limit
        self.size: int | None = None  # of the file, for an uncompressed one: no length may run past it

    def __iter__(self):
        import os

        with open_regular(self.path) as raw:
            head = raw.read(12)
            raw.seek(0)
            self.compression = sniff_compression(head)
            if self.compression is None:
                self.size = os.fstat(raw.fileno()).st_size
                yield from self._frames(raw)
                return
            self.problems.append(
                FramingProblem(
                    "compressed",
                    0,
                    0,
                    _(
                        "the file is {kind}-compressed: tf.data reads it only with compression_type='{kind}', which the OD "
                        "API's dataset builder never sets, so training stops with 'corrupted record at 0'",
                        kind=self.compression,
                    ),
                )
            )
            stream = gzip.GzipFile(fileobj=raw) if self.compression == "GZIP" else _ZlibReader(raw)
            try:
                yield from self._frames(stream)
            except (OSError, EOFError, zlib.error) as error:
                self.problems.append(
                    FramingProblem(
                        "truncated",
                        len(self.offsets),
                        -1,
                        _("the {kind} stream is damaged: {error}", kind=self.compression, error=error),
                    )
                )

    def segment(self, offset: int, index: int, stop: int):
        """Records `index` to `stop` - 1 of an uncompressed file, the first at byte `offset` (records_split.py)."""
        import os

        with open_regular(self.path) as raw:
            self.size = os.fstat(raw.fileno()).st_size
            raw.seek(offset)
            yield from self._frames(raw, offset, index, stop)

    def _frames(self, stream, offset: int = 0, index: int = 0, stop: int | None = None):
        while stop is None or index < stop:
            header = stream.read(12)
            if not header:
                return
            if len(header) < 12:
                self._problem(
                    "truncated", index, offset, _("truncated record header ({count} of 12 bytes)", count=len(header))
                )
                return
            length, length_crc = _HEADER.unpack(header)
            self.offsets.append(offset)
            if self.verify and masked_crc32c(header[:8]) != length_crc:
                message = (
                    _(
                        "length checksum mismatch (not a TFRecord file, or damaged); TensorFlow says 'corrupted "
                        "record at {offset}'",
                        offset=offset,
                    )
                    if index == 0
                    else _("length checksum mismatch; TensorFlow says 'corrupted record at {offset}'", offset=offset)
                )
                self._problem("length-crc", index, offset, message)
                return
            if length > MAX_RECORD:
                self._problem("length-crc", index, offset, _("impossible record length {length}", length=length))
                return
            if self.size is not None and offset + 16 + length > self.size:
                got = self.size - offset - 12
                self._truncated(index, offset, got, length)
                return
            if length > self.limit:
                if not self._skip(stream, index, offset, length):
                    return
                offset += 16 + length
                index += 1
                continue
            payload = stream.read(length)
            footer = stream.read(4)
            if len(payload) < length or len(footer) < 4:
                got = len(payload) + len(footer)
                self._truncated(index, offset, got, length)
                return
            if self.verify and masked_crc32c(payload) != _FOOTER.unpack(footer)[0]:
                self._problem(
                    "data-crc",
                    index,
                    offset,
                    _(
                        "data checksum mismatch (the record's bytes are damaged); TensorFlow says 'corrupted "
                        "record at {offset}'",
                        offset=offset + 12,
                    ),
                )
            else:
                yield index, offset, payload
            if self.on_bytes is not None:
                self.on_bytes(16 + length)
            offset += 16 + length
            index += 1

    def _skip(self, stream, index: int, offset: int, length: int) -> bool:
        """Check a record too large to hold in memory chunk by chunk; False when the file ends inside it."""
        checksum, left = 0, length
        while left:
            chunk = stream.read(min(left, _CHUNK))
            if not chunk:
                break
            checksum, left = crc32c(chunk, checksum), left - len(chunk)
        footer = stream.read(4) if not left else b""
        if len(footer) < 4:
            self._problem(
                "truncated",
                index,
                offset,
                _(
                    "truncated record: {got} of {expected} bytes after the header; TensorFlow says "
                    "'truncated record at {offset}'",
                    got=length - left + len(footer),
                    expected=length + 4,
                    offset=offset,
                ),
            )
            return False
        if self.verify and mask(checksum) != _FOOTER.unpack(footer)[0]:
            self._problem(
                "data-crc",
                index,
                offset,
                _(
                    "data checksum mismatch (the record's bytes are damaged); TensorFlow says 'corrupted "
                    "record at {offset}'",
                    offset=offset + 12,
                ),
            )
        self._problem(
            "too-large",
            index,
            offset,
            _(
                "the record holds {length} bytes, more than pipecheck decodes ({limit} MiB): its framing was "
                "checked, not its contents",
                length=length,
                limit=self.limit >> 20,
            ),
        )
        if self.on_bytes is not None:
            self.on_bytes(16 + length)
        return True

    def _problem(self, kind: str, index: int, offset: int, message: str) -> None:
        self.problems.append(FramingProblem(kind, index, offset, message))

    def _truncated(self, index: int, offset: int, got: int, length: int) -> None:
        message = _(
            "truncated record: {got} of {expected} bytes after the header; TensorFlow says "
            "'truncated record at {offset}'",
            got=got,
            expected=length + 4,
            offset=offset,
        )
        self._problem("truncated", index, offset, message)
