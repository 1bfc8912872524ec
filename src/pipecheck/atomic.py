"""Replace a file in one rename, so that a reader or a crash sees the old content or the new, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(
    path: Path, data: bytes, *, durable: bool = False, mode_from: Path | None = None, before_replace=None
) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`.

    `durable` flushes it to disk first; `mode_from` copies that file's permissions (and owner,
    when run by root); `before_replace()` runs last and may raise to give up,
    in which case the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if mode_from is not None:
            keep_owner(mode_from, Path(temporary), mode=True)
        if before_replace is not None:
            before_replace()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def keep_owner(source: Path, destination: Path, mode: bool = False) -> None:
    """Give `destination` the owner (and mode) of `source`: root fixing a user's file must not take it over."""
    info = os.stat(source)
    if mode:
        os.chmod(destination, info.st_mode & 0o7777)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(destination, info.st_uid, info.st_gid)
