"""Write a fixed config without ever losing what the user had.

The previous content is kept as a backup beside the file (`pipeline.config.bak`, then
`.bak2`, ... never replacing an older backup, never written through a link); the new content
goes to a temporary file in the same folder and replaces the config in one rename, so an
interruption leaves either the old or the new file, with its owner and mode. A file that
changed on disk since it was read is left alone. A config that is a symlink is fixed where
it points, if that is inside the launch folder.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, suppress
from pathlib import Path

from pipecheck.atomic import flocked, keep_owner, named, open_folder, opened_folder, write_all, write_atomically
from pipecheck.errors import InputError
from pipecheck.i18n import _


class FileChanged(InputError):
    """The file on disk is not the one the fixes were computed from."""


class UnsafeTarget(InputError):
    """Writing the fix would change a file outside the project."""


def next_backup(path: Path) -> Path:
    candidate = path.with_name(path.name + ".bak")
    number = 2
    while os.path.lexists(candidate):  # a dangling link is taken too: the backup never goes through one
        candidate = path.with_name(f"{path.name}.bak{number}")
        number += 1
    return candidate


def target_of(path: Path, inside: Path | None) -> Path:
    """The file a fix is written to: `path`, or where its symlink points when that is inside `inside`."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if inside is not None and not target.is_relative_to(os.path.realpath(inside)):
        raise UnsafeTarget(
            _(
                "{path} is a link to {target}, outside {root}: nothing written (fix a copy: replace "
                "the link by the file)",
                path=path,
                target=target,
                root=inside,
            )
        )
    return target


def write_fixed(path: Path, expected: bytes, text: str, inside: Path | None = None) -> Path:
    """Replace `path` (or its link's target) by `text` if it still holds `expected`; return the backup's path."""
    path = target_of(Path(path), inside)
    data = text.encode("utf-8")
    if b"\r\n" in expected:  # lines the fixes added end in \n; keep a Windows file's line endings
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def unchanged():
        if path.read_bytes() != expected:
            raise FileChanged(
                _("{path} changed since pipecheck read it; nothing written, run pipecheck fix again", path=path)
            )

    with _exclusive(path), _folder_of(path, inside) as folder:
        unchanged()
        backup = next_backup(path)
        try:
            _write_backup(path, backup, expected, folder)
            # the lint took time: the file is looked at again just before the rename
            write_atomically(path, data, durable=True, mode_from=path, before_replace=unchanged, folder=folder)
        except BaseException:
            with suppress(FileNotFoundError):  # ours: next_backup() only gives names that did not exist
                os.unlink(backup.name, dir_fd=folder)
            raise
    return backup


@contextmanager
def _folder_of(path: Path, inside: Path | None):
    """A descriptor on the config's folder, where the backup and the new config are written whatever is
    linked at its path meanwhile: walked to from `inside` through no link (atomic.opened_folder) when the
    config lies inside it, else opened by name."""
    path = Path(os.path.abspath(path))
    roots = [Path(os.path.abspath(inside)), Path(os.path.realpath(inside))] if inside is not None else []
    root = next((root for root in roots if path.is_relative_to(root)), None)
    folder = opened_folder(path.parent, root) if root is not None else open_folder(path.parent)
    try:
        yield folder
    finally:
        os.close(folder)


@contextmanager
def _exclusive(path: Path):
    """Hold an exclusive lock on the file `path` names from the check to the rename.

    Two `fix` runs on one config would otherwise both pass the check, both back up the same
    original and both rename: one result lost while both say "wrote". The lock is on the file
    itself (no lock file to leave behind): the second run waits, then finds the first run's
    content, not the one it read, and refuses. Where there is no flock (Windows) it is not held.
    """
    with flocked(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)):
        yield


def _write_backup(path: Path, backup: Path, content: bytes, folder: int) -> None:
    """Exclusive create in `folder` (no link followed, no file replaced), flushed to disk before the config is
    touched, with the config's times, mode and owner."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(backup.name, flags, 0o600, dir_fd=folder)
    except OSError as error:
        raise named(error, backup) from None
    try:
        write_all(descriptor, content, backup)
        os.fsync(descriptor)
        info = path.stat()
        os.utime(descriptor, ns=(info.st_atime_ns, info.st_mtime_ns))
        keep_owner(path, descriptor, mode=True)
    except OSError as error:
        raise named(error, backup) from None
    finally:
        os.close(descriptor)
