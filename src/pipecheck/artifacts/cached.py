"""Reuse what a pass over a large file found, until the file's content changes.

The key costs the same for a 1 MB file and a 64 GiB one: each file's resolved path, device,
inode, size, modification and change times (ctime: a byte rewritten in place with its mtime put
back still moves it, and only the clock's owner can set it back), and a CRC-32C of sampled
blocks (the first, the last and evenly spaced ones between: all of a file up to SAMPLED bytes),
with the language and Python's version. When any of them changes, the key is new, and the
reader reads the whole file again: the full verification happens exactly when the stamps say so.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from pipecheck import cache

BLOCK = 64 << 10
BLOCKS = 16
SAMPLED = BLOCK * BLOCKS  # files up to 1 MiB are checksummed whole
# A long-lived process (the language server) re-lints on every keystroke: there, a file whose
# stamp (inode, size, modification time) has not moved keeps the key and facts found before,
# read once instead of checksummed again. None: off, as for one-shot commands.
_MEMORY: dict | None = None
reads = {"checksummed": 0}  # files checksummed for a key in this process (the server's benchmark shows it)


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
    from pipecheck.guarded import open_regular
    from pipecheck.i18n import language

    # The facts keep messages in the language they were read in; marshal's format is Python's own.
    parts = [language(), sys.version]
    for path in paths:
        reads["checksummed"] += 1
        with open_regular(path) as stream:
            info = os.fstat(stream.fileno())
            checksum = sampled_crc(stream, info.st_size)
        stamp = f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
        parts.append(f"{os.path.realpath(path)}:{stamp}:{checksum:08x}")
    return cache.key_for(*parts)


def sampled_crc(stream, size: int) -> int:
    """CRC-32C of the whole file up to SAMPLED bytes; beyond, of BLOCKS blocks spread from its start to its end."""
    import google_crc32c

    if size <= SAMPLED:
        offsets = range(0, size, BLOCK)
    else:
        step = (size - BLOCK) // (BLOCKS - 1)
        offsets = [index * step for index in range(BLOCKS - 1)] + [size - BLOCK]
    checksum = 0
    for offset in offsets:
        stream.seek(offset)
        checksum = google_crc32c.extend(checksum, stream.read(BLOCK))
    return checksum


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
