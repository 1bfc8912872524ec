"""Write a fixed config without ever losing what the user had.

The previous content is kept as a backup beside the file (`pipeline.config.bak`, then
`.bak2`, ... never replacing an older backup); the new content goes to a temporary file in
the same folder and replaces the config in one rename, so an interruption leaves either the
old or the new file. A file that changed on disk since it was read is left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipecheck.atomic import write_atomically
from pipecheck.errors import InputError
from pipecheck.i18n import _


class FileChanged(InputError):
    """The file on disk is not the one the fixes were computed from."""


def next_backup(path: Path) -> Path:
    candidate = path.with_name(path.name + ".bak")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak{number}")
        number += 1
    return candidate


def write_fixed(path: Path, expected: bytes, text: str) -> Path:
    """Replace `path` by `text` if it still holds `expected`; return the backup's path."""
    data = text.encode("utf-8")
    if b"\r\n" in expected:  # lines the fixes added end in \n; keep a Windows file's line endings
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def unchanged():
        if path.read_bytes() != expected:
            raise FileChanged(_("{path} changed since pipecheck read it; nothing written, run pipecheck fix again",
                                path=path))

    unchanged()
    backup = next_backup(path)
    shutil.copy2(path, backup)
    try:  # the lint took time: the file is looked at again just before the rename
        write_atomically(path, data, durable=True, mode_from=path, before_replace=unchanged)
    except BaseException:
        backup.unlink(missing_ok=True)  # ours: next_backup() only gives names that did not exist
        raise
    return backup
