"""The guarded writer's folders (atomic.py writes the files): a staging folder one run holds alone, and a
complete folder given its name only where nothing has that name.

A run's logs are appended to through no link (`open_log`). An export or an init writes into a hidden
staging folder, then renames it into place; `claimed_folder` makes and holds the staging folder,
`place_folder` does the rename, with renameat2(RENAME_NOREPLACE) on Linux so that a folder another run
placed after the last check is never replaced.

TensorFlow writes a run's checkpoints and events into a folder it is given by name, for hours.
`atomic.opened_folder` walks to that folder from the project's root through no link and keeps it open; the subprocess inherits the
descriptor and writes through /proc/self/fd/N (`through_descriptor`), so a link swapped in at the folder's
path after the check cannot turn its writes outside the project.
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
    named,
    opened_folder,
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


def place_folder(staging: Path, destination: Path, shown: Path | None = None) -> None:
    """Rename the complete folder `staging` to `destination` only where nothing has that name: a folder or a
    link that appears there after any check (another export placing its own) is refused, never replaced.
    `shown` is the destination's name for people when `destination` is a through_descriptor name."""
    shown = shown or destination
    try:
        _rename_new(staging, destination)
    except FileExistsError:
        if os.path.islink(shown):
            raise link_refused(shown) from None
        raise UnsafeWrite(_("{path} exists: pipecheck never replaces it, nothing written", path=shown)) from None


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


def empty_folder(folder: Path) -> None:
    """Remove what `folder` holds (links themselves, never what they point to); nothing when it is gone."""
    with contextlib.suppress(FileNotFoundError):
        _empty(folder)


def _empty(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def refuse_links(descriptor: int, path: Path, prefix: str = "") -> None:
    """Refuse any link in the open folder `path` whose name starts with `prefix` (TensorFlow's temp_worker_NNN:
    a multi-worker training writes into it, then deletes its content, through a link too)."""
    for entry in os.scandir(descriptor):
        if entry.name.startswith(prefix) and entry.is_symlink():
            raise link_refused(path / entry.name)


@contextmanager
def held_open(folder: Path, root: Path, check: bool = True):
    """opened_folder(folder, root) while the block runs (it gets the descriptor); with `check`, refused
    afterwards, when the block ended normally, if `folder` no longer names that folder (refuse_moved)."""
    descriptor = opened_folder(folder, root)
    try:
        yield descriptor
        if check:
            refuse_moved(descriptor, folder)
    finally:
        os.close(descriptor)


def refuse_moved(descriptor: int, path: Path) -> None:
    """Refuse to go on when `path` no longer names the folder open as `descriptor` (renamed, or a link put
    there): what was written through the descriptor is in that folder, wherever it is now."""
    if not _same_file(os.fstat(descriptor), lstat_or_none(path)):
        raise UnsafeWrite(
            _(
                "{folder} was renamed or replaced while the OD API wrote into it: its files are in the "
                "folder that had the name, nothing went through what has it now",
                folder=path,
            )
        )


def through_descriptor(path: str, descriptor: int | None) -> str:
    """The name by which this process reaches the folder it inherited open as `descriptor` (pipecheck opened it
    as `path`), whatever is renamed or linked at `path` since: /proc/self/fd/N where the system has it, else
    `path`. TensorFlow writes checkpoints under it; their `checkpoint` file holds relative names."""
    if descriptor is None:
        return path
    anchored = f"/proc/self/fd/{descriptor}"
    return anchored if os.path.isdir(anchored) else path


def as_named(path: str, written: str, shown: str) -> str:
    """`path` (under `written`, a through_descriptor name) told under `shown`, the folder's name for people."""
    return shown + path[len(written) :] if written != shown and path.startswith(written) else path


def open_log(path: Path, root: Path):
    """A text stream appending to the log `path` (made when absent): its folders made inside `root` through
    no link when it lies inside it, the file itself never a link (a checkout's `checkpoint1/train.log ->
    ~/.bashrc` is refused, not appended to)."""
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    if path.is_relative_to(root):
        folder = opened_folder(path.parent, root)  # the log is opened in it, whatever is linked at its path since
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = opened_folder(path.parent, path.parent)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path.name, flags, 0o666, dir_fd=folder)
    except OSError as error:
        if os.path.islink(path):
            raise link_refused(path) from None
        raise named(error, path) from None
    finally:
        os.close(folder)
    return os.fdopen(descriptor, "a", encoding="utf-8", errors="replace")
