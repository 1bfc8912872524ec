"""The one guarded writer: files replaced in one rename (a reader or a crash sees the old content or the
new, never half), new files created inside the project through no link, errors naming their file.

`write_guarded` is what a command calls to write a file it was asked for (a report, a baseline, a
run's record): inside its root, through no link, and serialised with any other pipecheck writing
in the same folder, so that of two runs that saw the same file one writes and the other refuses,
never both saying "wrote" with one result gone. `write_output` applies it to a path the user typed
(`-o`, `--write-baseline`); see its docstring for what "the project" is there.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.i18n import _


def write_atomically(
    path: Path,
    data: bytes,
    *,
    durable: bool = False,
    mode_from: Path | None = None,
    before_replace=None,
    new: bool = False,
    folder: int | None = None,
) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`.

    `durable` flushes it to disk first; `mode_from` copies that file's permissions (and owner,
    when run by root); `before_replace()` runs last and may raise to give up,
    in which case the temporary file is removed and `path` is untouched. With `new`, `path` is
    only created, never replaced: a file that appeared there meanwhile raises FileExistsError.
    `folder` is a descriptor on `path`'s folder (write_guarded's, reached through no link): every step
    happens in it, whatever is renamed or linked at the folder's path meanwhile.
    """
    path = Path(path)
    with ExitStack() as opened:
        if folder is None:
            folder = open_folder(path.parent)
            opened.callback(os.close, folder)
        _write_in(folder, path, data, durable, mode_from, before_replace, new)


def open_folder(folder: Path) -> int:
    """A descriptor on `folder` as its name leads to it (links followed: for a folder already checked, or one
    outside the project); errors name the folder."""
    try:
        return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise named(error, folder) from None


def _write_in(folder: int, path: Path, data: bytes, durable: bool, mode_from, before_replace, new: bool) -> None:
    temporary, handle = _temporary_beside(path, folder)
    try:
        try:
            write_all(handle, data, path)
            if durable:
                os.fsync(handle)
            if mode_from is not None:
                keep_owner(mode_from, handle, mode=True)
        except OSError as error:
            raise named(error, path) from None
        finally:
            os.close(handle)
        if before_replace is not None:
            before_replace()
        if new:
            _publish_new(temporary, path, folder)
        else:
            _renamed(temporary, path, folder)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _temporary_beside(path: Path, folder: int) -> tuple[str, int]:
    """(name, open descriptor) of a new hidden file `.<name>.XXXXXXXX.tmp` in `folder`, readable by its owner only."""
    while True:
        temporary = f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            return temporary, os.open(temporary, _NEW_FILE, 0o600, dir_fd=folder)
        except FileExistsError:
            continue
        except OSError as error:
            raise named(error, path) from None


def _renamed(temporary: str, path: Path, folder: int) -> None:
    try:
        os.replace(temporary, path.name, src_dir_fd=folder, dst_dir_fd=folder)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None


def _publish_new(temporary: str, path: Path, folder: int) -> None:
    """Give the complete `temporary` the name `path` only where nothing has it: link(2), unlike rename(2),
    fails when a file appeared there, even one another program made without pipecheck's lock."""
    try:
        os.link(temporary, path.name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT, some network shares): checked, then renamed
        if _lstat_in(folder, path.name) is not None:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        _renamed(temporary, path, folder)
        return
    os.unlink(temporary, dir_fd=folder)


def _lstat_in(folder: int, name: str):
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None


def keep_owner(source: Path, destination, mode: bool = False) -> None:
    """Give `destination` (a path, or an open descriptor) the owner (and mode) of `source`: root fixing a
    user's file must not take it over."""
    info = os.stat(source)
    if mode:
        os.chmod(destination, info.st_mode & 0o7777)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(destination, info.st_uid, info.st_gid)


class UnsafeWrite(InputError):
    """A write that would go through a link or land outside the project: refused, nothing written."""


def link_refused(path: Path) -> UnsafeWrite:
    """The refusal of a write through the link `path`, naming where it points."""
    return UnsafeWrite(
        _(
            "{path} is a link (to {target}): pipecheck writes through no link, nothing written",
            path=path,
            target=os.readlink(path),
        )
    )


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
        make_folder(current)
    return folder


def opened_folder(folder: Path, root: Path) -> int:
    """A descriptor on `folder`, reached from `root` one name at a time, each opened through no link relative
    to the one before (and made where absent). What it names is the folder checked, whatever is renamed or
    linked at the path later: a subprocess given it writes there (through_descriptor). The caller closes it."""
    root, folder = Path(os.path.abspath(root)), Path(os.path.abspath(folder))
    if not folder.is_relative_to(root):
        raise UnsafeWrite(_("{folder} is outside {root}: nothing written", folder=folder, root=root))
    descriptor = open_folder(root)
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        descriptor = subfolder(descriptor, part, current, close=True)
    return descriptor


def subfolder(parent: int, name: str, path: Path, close: bool = False) -> int:
    """A descriptor on the folder `name` (its path `path`) in the open folder `parent`, made where absent,
    opened through no link: a link there, even a dangling one, is refused by name. `close` closes `parent`."""
    try:
        with suppress(FileExistsError):
            os.mkdir(name, dir_fd=parent)
        try:
            return os.open(name, FOLDER_FLAGS, dir_fd=parent)
        except OSError as error:
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise link_refused(path) from None
            if not stat.S_ISDIR(info.st_mode):
                raise UnsafeWrite(_("{path} is not a folder: nothing written", path=path)) from None
            raise named(error, path) from None
    finally:
        if close:
            os.close(parent)


def create_new(path: Path, data: bytes, root: Path) -> Path:
    """Write `data` to a new file `path` inside `root`: no link followed, no file replaced, errors name the file."""
    path = Path(path)
    folder = opened_folder(path.parent, root)  # created in it, whatever is linked at its path since
    try:
        try:
            descriptor = os.open(path.name, _NEW_FILE, 0o666, dir_fd=folder)
        except FileExistsError:
            raise UnsafeWrite(_("{path} already exists: pipecheck never overwrites it", path=path)) from None
        except OSError as error:
            raise named(error, path) from None
        try:
            write_all(descriptor, data, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(path.name, dir_fd=folder)
            raise
        finally:
            os.close(descriptor)
    finally:
        os.close(folder)
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


class WriteConflict(InputError):
    """The file changed since the command began (another run wrote it): refused, nothing written."""


ANY = object()  # `since` for a write that need not find the file as it was


def identity(path: Path) -> tuple[int, int, int, int] | None:
    """What tells one version of a file from another without reading it: device, inode, size and
    modification time (None when nothing is there; a link is its own identity, not its target's)."""
    return _identity_of(lstat_or_none(path))


def _identity_of(info) -> tuple[int, int, int, int] | None:
    return None if info is None else (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def write_guarded(path: Path, data: bytes, root: Path, *, since=ANY, durable: bool = False, mode_from=None) -> Path:
    """Replace (or create) `path` by `data` in one rename: inside `root`, its folders made through no
    link (opened_folder: every step happens in the folder so reached, whatever is linked at its path
    meanwhile), the file itself no link and no device, and, when `since` is an identity()
    taken when the command began, only if the file is still that one (`since` None: only if no file has
    the name when the new one is linked into place, whoever made it).

    The check and the rename hold an exclusive lock on the folder (flock on the folder itself: no
    lock file left behind), so two pipecheck runs writing one file are serialised: the second
    finds the first one's file, not the one it saw, and refuses (WriteConflict).
    """
    path = Path(os.path.abspath(path))
    folder = opened_folder(path.parent, root)
    try:
        _lock(folder)
        info = _lstat_in(folder, path.name)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise link_refused(path)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise UnsafeWrite(_("{path} is not a regular file: nothing written", path=path))
        if since is not ANY and _identity_of(info) != since:
            raise _changed(path)
        try:
            write_atomically(path, data, durable=durable, mode_from=mode_from, new=since is None, folder=folder)
        except FileExistsError:
            raise _changed(path) from None
    finally:
        os.close(folder)  # and with it the lock
    return path


def _lock(folder: int) -> None:
    """An exclusive flock on the open `folder`, held until it is closed (none where there is no flock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    fcntl.flock(folder, fcntl.LOCK_EX)


def _changed(path: Path) -> WriteConflict:
    return WriteConflict(
        _("{path} changed while pipecheck ran (another run wrote it?): nothing written, run again", path=path)
    )


def write_output(path: Path, data: bytes, since=ANY) -> Path:
    """Write a file the user named on the command line (`-o`, `--write-baseline`); `since` is
    output_identity(path) taken when the command began.

    The project there is the folder pipecheck was started in: a path inside it is written as
    write_guarded writes (no link, none of its folders a link, made when absent). A path outside
    it is the user's explicit choice of place (`/tmp/report.html`, `/dev/stdout`): taken as typed,
    links and all, its folder must exist. A device or a pipe (`/dev/null`, a FIFO) is written in
    place, never replaced by a file.
    """
    target, root = output_place(path)
    if root is None:
        return _write_in_place(target, data)
    return write_guarded(target, data, root, since=since)


def output_identity(path: Path):
    """identity() of the file write_output(path) would replace."""
    return identity(output_place(path)[0])


def output_place(path: Path) -> tuple[Path, Path | None]:
    """(the file to write, the folder it must stay in; None for a device or a pipe, written in place)."""
    path, here = Path(os.path.abspath(path)), Path(os.getcwd())
    if path.is_relative_to(here):
        return path, here
    target = Path(os.path.realpath(path))
    try:
        special = not stat.S_ISREG(os.stat(target).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        special = False
    return (target, None) if special else (target, target.parent)


def _write_in_place(path: Path, data: bytes) -> Path:
    try:
        descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise named(error, path) from None
    try:
        write_all(descriptor, data, path)
    finally:
        os.close(descriptor)
    return path


def lstat_or_none(path: Path):
    """os.lstat(path) (a link's own status), or None when nothing has the name."""
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@contextmanager
def flocked(path: Path, flags: int, wait: bool = True):
    """An exclusive flock on what `path` opened with `flags` names, while the block runs (none without flock);
    the block gets the open descriptor. Without `wait`, a lock another process holds raises BlockingIOError."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield None
        return
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise named(error, path) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield descriptor
    finally:
        os.close(descriptor)


def make_folder(folder: Path) -> None:
    """`folder` made where absent; a link there (even a dangling one) or a file is refused by name."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        if os.path.islink(folder):
            raise link_refused(folder) from None
        if not os.path.isdir(folder):
            raise UnsafeWrite(_("{path} is not a folder: nothing written", path=folder)) from None
