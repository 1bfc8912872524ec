"""Reuse what a pass over a large file found, until the file changes.

The key is the file's path, size and modification time, a checksum of its first and last
64 KiB and pipecheck's version: a second lint of an unchanged project reads nothing again.
"""

from __future__ import annotations

import marshal
import sys
import zlib
from pathlib import Path

from pipecheck import cache

_EDGE = 1 << 16


def content_key(*paths: Path) -> str:
    from pipecheck.i18n import language

    # The facts keep messages in the language they were read in; marshal's format is Python's own.
    parts = [language(), sys.version]
    for path in paths:
        stat = path.stat()
        with open(path, "rb") as stream:
            head = stream.read(_EDGE)
            if stat.st_size > _EDGE:
                stream.seek(max(_EDGE, stat.st_size - _EDGE))
            tail = stream.read(_EDGE)
        parts.append(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{zlib.crc32(head):08x}:{zlib.crc32(tail):08x}")
    return cache.key_for(*parts)


def load(namespace: str, key: str) -> dict | None:
    data = cache.read(namespace, key)
    if data is None:
        return None
    try:
        value = marshal.loads(data)  # our own cache folder; faster than JSON to load and to import
    except (ValueError, EOFError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def store(namespace: str, key: str, value: dict) -> None:
    cache.write(namespace, key, marshal.dumps(value))
