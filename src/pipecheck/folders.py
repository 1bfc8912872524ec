"""The guarded writer's folders (atomic.py writes the files): a staging folder one run holds alone, and a
complete folder given its name only where nothing has that name.

An export or an init writes into a hidden staging folder, then renames it into place; `claimed_folder`
makes and holds the staging folder, `place_folder` does the rename, with renameat2(RENAME_NOREPLACE) on
Linux so that a folder another run placed after the last check is never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pipecheck.atomic import (
    FOLDER_FLAGS,
    UnsafeWrite,
    flocked,
    link_refused,
    lstat_or_none,
    make_folder,
    safe_folder,
)
from pipecheck.i18n import _


class FolderBusy(UnsafeWrite):
    """Another pipecheck run holds the folder this one would write: refused, nothing written."""


@contextmanager
def claimed_folder(folder: Path, root: Path):
    """`folder` (a staging folder, renamed into place when its content is complete) made inside `root`
    through no link, emptied of what a run that did not finish left, and held by this run alone while the
    block runs; removed afterwards unless the block moved it away.

    The hold is a flock on the folder itself, taken without waiting: a second run finds it held and
    refuses (FolderBusy) instead of emptying the first one's files under it. A folder the holder renamed
    into place before this run locked it is not this path's any more: a new one is made.
    """
    folder = Path(os.path.abspath(folder))
    safe_folder(folder.parent, root)
    while True:
        make_folder(folder)
        with ExitStack() as held:
            try:
                descriptor = held.enter_context(flocked(folder, FOLDER_FLAGS, wait=False))
            except BlockingIOError:
                raise FolderBusy(
                    _(
                        "another pipecheck run is writing {path}: nothing written (run again when it is done)",
                        path=folder,
                    )
                ) from None
            ours = os.fstat(descriptor) if descriptor is not None else lstat_or_none(folder)
            if not _same_file(ours, lstat_or_none(folder)):
                continue  # the run that held it moved it into place before we locked it: make ours
            _empty(folder)
            try:
                yield folder
            finally:
                if _same_file(ours, lstat_or_none(folder)):
                    shutil.rmtree(folder, ignore_errors=True)
            return


def place_folder(staging: Path, destination: Path) -> None:
    """Rename the complete folder `staging` to `destination` only where nothing has that name: a folder or a
    link that appears there after any check (another export placing its own) is refused, never replaced."""
    try:
        _rename_new(staging, destination)
    except FileExistsError:
        if os.path.islink(destination):
            raise link_refused(destination) from None
        raise UnsafeWrite(_("{path} exists: pipecheck never replaces it, nothing written", path=destination)) from None


_RENAME_NOREPLACE, _AT_FDCWD = 1, -100


def _renameat2():
    """libc's renameat2 (Linux, glibc 2.28 and later), or None."""
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, ImportError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


def _rename_new(source: Path, destination: Path) -> None:
    """rename(2) that never replaces (FileExistsError instead): renameat2's RENAME_NOREPLACE, else a claim."""
    function = _renameat2()
    if function is not None:
        import ctypes

        if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(destination), _RENAME_NOREPLACE) == 0:
            return
        number = ctypes.get_errno()
        if number not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # the kernel or file system lacks it
            raise OSError(number, os.strerror(number), str(source), None, str(destination))
    _claim_then_rename(source, destination)


def _claim_then_rename(source: Path, destination: Path) -> None:
    """Without renameat2: mkdir takes the name (it fails on anything there, a dangling link too), then the
    folder is renamed over that empty folder of ours. Whatever replaces ours in between makes the rename fail
    (a link: ENOTDIR, a folder with content: ENOTEMPTY), except another empty folder, which holds nothing."""
    os.mkdir(destination)
    try:
        os.rename(source, destination)
    except OSError as error:
        if error.errno in (errno.ENOTDIR, errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(destination)) from None
        with contextlib.suppress(OSError):
            os.rmdir(destination)  # our claim, still empty: the rename failed for another reason (EXDEV, EACCES)
        raise


def _same_file(info, other) -> bool:
    return other is not None and (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def _empty(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
