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
# A long-lived process (the language server) re-lints on every keystroke: there, a file whose
# stamp (inode, size, modification time) has not moved keeps the key and facts found before,
# read once instead of checksummed again. None: off, as for one-shot commands.
_MEMORY: dict | None = None
reads = {"checksummed": 0}  # files read whole for a key in this process (the server's benchmark shows it)


def remember_in_memory(on: bool = True) -> None:
    """Keep keys and facts in this process for files whose stamp did not change (see _MEMORY); off forgets them."""
    global _MEMORY
    _MEMORY = ({} if _MEMORY is None else _MEMORY) if on else None


def content_key(*paths: Path) -> str:
    """The key for these files' facts; raises OSError (guarded.ArtifactError) for a file that cannot be read."""
    if _MEMORY is None:
        return _content_key(paths)
    from pipecheck.i18n import language

    stamps = (language(), *(_stamp(path) for path in paths))
    key = _MEMORY.get(("key", stamps))
    if key is None:
        key = _MEMORY[("key", stamps)] = _content_key(paths)
    return key


def _stamp(path: Path) -> tuple:
    stat = os.stat(path)
    return (os.path.realpath(path), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _content_key(paths) -> str:
    import google_crc32c

    from pipecheck.guarded import open_regular
    from pipecheck.i18n import language

    # The facts keep messages in the language they were read in; marshal's format is Python's own.
    parts = [language(), sys.version]
    for path in paths:
        reads["checksummed"] += 1
        with open_regular(path) as stream:
            checksum, size = 0, 0
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                checksum, size = google_crc32c.extend(checksum, chunk), size + len(chunk)
        parts.append(f"{os.path.realpath(path)}:{size}:{checksum:08x}")
    return cache.key_for(*parts)


def load(namespace: str, key: str) -> dict | None:
    """The facts stored under `key`; a fresh copy each time (a rule may change what it is given)."""
    data = _MEMORY.get(("facts", namespace, key)) if _MEMORY is not None else None
    if data is None:
        data = cache.read(namespace, key)
        if _MEMORY is not None and data is not None:
            _MEMORY[("facts", namespace, key)] = data
    if data is None:
        return None
    try:
        value = marshal.loads(data)  # our own cache folder; faster than JSON to load and to import
    except (ValueError, EOFError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def store(namespace: str, key: str, value: dict) -> None:
    data = marshal.dumps(value)
    if _MEMORY is not None:
        _MEMORY[("facts", namespace, key)] = data
    cache.write(namespace, key, data)
