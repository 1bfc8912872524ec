"""The LevelDB-format table TensorFlow uses for a checkpoint's `.index` (table_builder.cc, format.h).

Layout: data blocks, a metaindex block, an index block, then a 48-byte footer holding the two
block handles and the magic number. Every block ends with a type byte (0 = uncompressed; TF's
BundleWriter never compresses) and a masked CRC-32C of the block and that byte.
"""

from __future__ import annotations

import struct
from pathlib import Path

from pipecheck.artifacts.crc import masked_crc32c

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_SIZE = 262144  # tensorflow/core/lib/io/table_options.h
RESTART_INTERVAL = 16


class TableError(Exception):
    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


# ---------------------------------------------------------------- writing


def write_table(path: Path, items: list[tuple[bytes, bytes]]) -> None:
    """Write sorted (key, value) pairs as TensorFlow's TableBuilder would."""
    out = bytearray()
    index: list[tuple[bytes, bytes]] = []
    block = _BlockBuilder(RESTART_INTERVAL)
    last_key = b""
    pending_handle: bytes | None = None
    for key, value in items:
        if pending_handle is not None:
            index.append((_shortest_separator(last_key, key), pending_handle))
            pending_handle = None
        block.add(key, value)
        last_key = key
        if block.estimated_size() >= BLOCK_SIZE:
            pending_handle = _write_block(out, block.finish())
            block = _BlockBuilder(RESTART_INTERVAL)
    if not block.empty:
        pending_handle = _write_block(out, block.finish())
    if pending_handle is not None:
        index.append((_short_successor(last_key), pending_handle))
    metaindex_handle = _write_block(out, _BlockBuilder(RESTART_INTERVAL).finish())
    index_block = _BlockBuilder(1)
    for key, handle in index:
        index_block.add(key, handle)
    index_handle = _write_block(out, index_block.finish())
    footer = (metaindex_handle + index_handle).ljust(40, b"\0") + struct.pack("<Q", MAGIC)
    out.extend(footer)
    Path(path).write_bytes(bytes(out))


class _BlockBuilder:
    def __init__(self, restart_interval: int):
        self.buffer = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""
        self.restart_interval = restart_interval
        self.empty = True

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.restart_interval:
            limit = min(len(self.last_key), len(key))
            while shared < limit and self.last_key[shared] == key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buffer))
            self.counter = 0
        self.buffer += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        self.buffer += key[shared:] + value
        self.last_key = key
        self.counter += 1
        self.empty = False

    def estimated_size(self) -> int:
        return len(self.buffer) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        return (
            bytes(self.buffer)
            + b"".join(struct.pack("<I", r) for r in self.restarts)
            + struct.pack("<I", len(self.restarts))
        )


def _write_block(out: bytearray, contents: bytes) -> bytes:
    handle = _varint(len(out)) + _varint(len(contents))
    out.extend(contents)
    out.extend(b"\0" + struct.pack("<I", masked_crc32c(contents + b"\0")))
    return handle


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    common = 0
    while common < min(len(start), len(limit)) and start[common] == limit[common]:
        common += 1
    if common >= min(len(start), len(limit)):
        return start
    byte = start[common]
    if byte < 0xFF and byte + 1 < limit[common]:
        return start[:common] + bytes([byte + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    for position, byte in enumerate(key):
        if byte != 0xFF:
            return key[:position] + bytes([byte + 1])
    return key


def _varint(number: int) -> bytes:
    out = bytearray()
    while number >= 0x80:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


# ---------------------------------------------------------------- reading


def read_table(data: bytes, verify: bool = True) -> list[tuple[bytes, bytes]]:
    """All (key, value) pairs of a table, in order; raises TableError naming the byte offset."""
    if len(data) < FOOTER_SIZE:
        raise TableError(f"{len(data)} bytes: too short for a table footer (48 bytes)", 0)
    footer = data[-FOOTER_SIZE:]
    if struct.unpack("<Q", footer[40:])[0] != MAGIC:
        raise TableError("bad magic number: not a TensorFlow checkpoint index (sstable)", len(data) - 8)
    _, position = _read_handle(footer, 0)
    index_offset, index_size = _read_handle(footer, position)[0]
    items = []
    for _, handle in _block_entries(_block(data, index_offset, index_size, verify), index_offset):
        (offset, size), _ = _read_handle(handle, 0)
        items.extend(_block_entries(_block(data, offset, size, verify), offset))
    return items


def _read_handle(data: bytes, position: int) -> tuple[tuple[int, int], int]:
    offset, position = _read_varint(data, position)
    size, position = _read_varint(data, position)
    return (offset, size), position


def _block(data: bytes, offset: int, size: int, verify: bool) -> bytes:
    end = offset + size
    if end + 5 > len(data):
        raise TableError(f"block at {offset} ({size} bytes) runs past the end of the file", offset)
    contents = data[offset:end]
    if data[end] != 0:
        raise TableError(f"block at {offset} is compressed (type {data[end]}); TensorFlow never writes that", end)
    if verify and masked_crc32c(data[offset : end + 1]) != struct.unpack("<I", data[end + 1 : end + 5])[0]:
        raise TableError(f"block at {offset}: checksum mismatch (corrupt index)", offset)
    return contents


def _block_entries(block: bytes, base_offset: int) -> list[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise TableError("block too short", base_offset)
    restarts = struct.unpack("<I", block[-4:])[0]
    limit = len(block) - 4 - 4 * restarts
    if limit < 0:
        raise TableError("block restart array is larger than the block", base_offset)
    entries, position, key = [], 0, b""
    while position < limit:
        shared, position = _read_varint(block, position)
        unshared, position = _read_varint(block, position)
        value_length, position = _read_varint(block, position)
        if shared > len(key) or position + unshared + value_length > limit:
            raise TableError("corrupt block entry", base_offset + position)
        key = key[:shared] + block[position : position + unshared]
        position += unshared
        entries.append((key, block[position : position + value_length]))
        position += value_length
    return entries


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise TableError("truncated varint", position)
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
