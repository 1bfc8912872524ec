"""A small on-disk cache shared by the schema loader and the artifact readers.

Entries are keyed by a hash of what they were computed from (file paths, sizes, mtimes,
pipecheck's version), so a stale entry is never read; it is simply not found.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from pipecheck.version import __version__


def cache_dir() -> Path:
    explicit = os.environ.get("PIPECHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pipecheck"


def cache_disabled() -> bool:
    return os.environ.get("PIPECHECK_NO_CACHE", "") not in ("", "0")


def key_for(*parts: object) -> str:
    """A file name for what `parts` describe (stamps, not contents: a 64-bit checksum is plenty)."""
    text = "\0".join([__version__, *(str(part) for part in parts)]).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def file_stamp(path: Path) -> str:
    """What identifies a file's content cheaply: path, size and modification time."""
    stat = path.stat()
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def read(namespace: str, key: str) -> bytes | None:
    if cache_disabled():
        return None
    from pipecheck.guarded import read_bytes

    try:
        return read_bytes(cache_dir() / namespace / key, 1 << 30)
    except OSError:
        return None


def write(namespace: str, key: str, data: bytes) -> None:
    """Store an entry atomically and durably (a crash must not leave a torn entry); failures are skipped."""
    if cache_disabled():
        return
    from pipecheck.atomic import write_atomically

    folder = cache_dir() / namespace
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / key, data, durable=True)
    except OSError:
        pass
