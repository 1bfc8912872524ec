"""Reuse what a pass over a large file found, until the file's content changes.

The key is each file's resolved path, size and CRC-32C of its whole content (google-crc32c
reads several GB/s, far faster than the parse it saves), the language and Python's version:
a file changed in place with its modification time restored is read again.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from pipecheck import cache

_CHUNK = 1 << 20


def content_key(*paths: Path) -> str:
    """The key for these files' facts; raises OSError (guarded.ArtifactError) for a file that cannot be read."""
    import google_crc32c

    from pipecheck.guarded import open_regular
    from pipecheck.i18n import language

    # The facts keep messages in the language they were read in; marshal's format is Python's own.
    parts = [language(), sys.version]
    for path in paths:
        with open_regular(path) as stream:
            checksum, size = 0, 0
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                checksum, size = google_crc32c.extend(checksum, chunk), size + len(chunk)
        parts.append(f"{os.path.realpath(path)}:{size}:{checksum:08x}")
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
