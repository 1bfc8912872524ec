"""The one guarded writer: files replaced in one rename (a reader or a crash sees the old content or the
new, never half), new files created inside the project through no link, errors naming their file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.i18n import _


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
        try:
            write_all(handle, data, path)
            if durable:
                os.fsync(handle)
        except OSError as error:
            raise named(error, path) from None
        finally:
            os.close(handle)
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


class UnsafeWrite(InputError):
    """A write that would go through a link or land outside the project: refused, nothing written."""


def safe_folder(folder: Path, root: Path) -> Path:
    """`folder`, made where absent, when it lies inside `root` and no part of it below `root` is a link.

    A checkout can ship `cluster -> /home/user/.ssh`: a folder pipecheck writes into is walked one
    name at a time from the project's root, and a link, a file, or a path that leaves the root
    (`..`, an absolute path elsewhere) refuses the write before anything is created.
    """
    root, folder = Path(os.path.abspath(root)), Path(os.path.abspath(folder))
    if not folder.is_relative_to(root):
        raise UnsafeWrite(_("{folder} is outside {root}: nothing written", folder=folder, root=root))
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        if os.path.islink(current):
            raise UnsafeWrite(
                _(
                    "{path} is a link (to {target}): pipecheck writes through no link, nothing written",
                    path=current,
                    target=os.readlink(current),
                )
            )
        try:
            os.mkdir(current)
        except FileExistsError:
            if not os.path.isdir(current) or os.path.islink(current):
                raise UnsafeWrite(_("{path} is not a folder: nothing written", path=current)) from None
    return folder


def create_new(path: Path, data: bytes, root: Path) -> Path:
    """Write `data` to a new file `path` inside `root`: no link followed, no file replaced, errors name the file."""
    path = Path(path)
    safe_folder(path.parent, root)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags, 0o666)
    except FileExistsError:
        raise UnsafeWrite(_("{path} already exists: pipecheck never overwrites it", path=path)) from None
    try:
        write_all(descriptor, data, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(descriptor)
    return path


def write_all(descriptor: int, data: bytes, path: Path) -> None:
    """Every byte of `data` to the open file, or an OSError that names `path` (ENOSPC, EFBIG, EDQUOT...)."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as error:
        raise named(error, path) from None


def named(error: OSError, path: Path) -> OSError:
    """`error` with the file it happened to: a bare `No space left on device` says nothing of where."""
    if error.filename:
        return error
    return type(error)(error.errno, error.strerror or str(error), str(path))
