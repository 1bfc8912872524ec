"""The one place pipecheck opens the files a project names: regular files only, within stated sizes.

A FIFO would block a read forever and `/dev/zero` never ends, so a path is opened without
blocking and refused unless it is a regular file. A header's claims are checked against the
file's real size before anything is allocated. Every refusal is an ArtifactError, an OSError
whose message says what the file is, so a reader reports it instead of crashing.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.i18n import _

MiB = 1 << 20
TEXT_LIMIT = 8 * MiB  # pipeline.config, label maps, settings: the largest of the zoo's configs is 9 KB
INDEX_LIMIT = 64 * MiB  # a checkpoint's .index: about 100 bytes per variable, room for 600,000
RECORD_LIMIT = 64 * MiB  # one TFRecord record decoded in memory (one image and its boxes)


class ArtifactError(InputError, OSError):
    """A file that cannot or must not be read: not a regular file, too large, gone, unreadable."""

    def __init__(self, path, message: str, code: int | None = None):
        OSError.__init__(self, message)
        self.filename, self.strerror, self.errno = str(path), message, code

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a named pipe (FIFO)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("not a regular file")


def open_regular(path: Path):
    """A binary stream on `path`, refused (ArtifactError) unless it is a regular file we can read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise ArtifactError(path, _describe_os_error(error), error.errno) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ArtifactError(path, _("is {kind}, not a file", kind=kind_of(mode)), errno.EINVAL)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, limit: int) -> bytes:
    """The whole file, refused when it holds more than `limit` bytes (checked before reading)."""
    with open_regular(path) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > limit:
            raise ArtifactError(path, too_large(size, limit), errno.EFBIG)
        try:
            data = stream.read(limit + 1)
        except OSError as error:
            raise ArtifactError(path, _describe_os_error(error), error.errno) from None
    if len(data) > limit:  # it grew while being read
        raise ArtifactError(path, too_large(len(data), limit), errno.EFBIG)
    return data


def read_text(path: Path, limit: int = TEXT_LIMIT) -> str:
    """A UTF-8 text file within `limit` bytes; UnicodeDecodeError is left to the caller (it has a position)."""
    return read_bytes(path, limit).decode("utf-8")


def file_size(path: Path) -> int:
    """The size of a regular file; ArtifactError for anything else (gone, a folder, a FIFO...)."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise ArtifactError(path, _describe_os_error(error), error.errno) from None
    if not stat.S_ISREG(info.st_mode):
        raise ArtifactError(path, _("is {kind}, not a file", kind=kind_of(info.st_mode)), errno.EINVAL)
    return info.st_size


def is_regular(path: Path) -> bool:
    """True for a regular file (through symlinks); False for anything else, never an exception."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: Path) -> bool:
    """Path.exists() that answers False, not an exception, for a name too long or a symlink loop."""
    try:
        os.stat(path)
        return True
    except (OSError, ValueError):
        return False


def is_dir(path: Path) -> bool:
    """Path.is_dir() that answers False, not an exception, for a name too long or a symlink loop."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def real(path: Path) -> Path:
    """The resolved path; unlike Path.resolve() a symlink loop is not an exception (the read will say)."""
    return Path(os.path.realpath(path))


def problem_with(path: Path) -> str | None:
    """Why `path` cannot be read as a file, or None when it can (or does not exist at all)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        return _describe_os_error(error) if isinstance(error, OSError) else str(error)
    if not stat.S_ISREG(info.st_mode):
        return _("is {kind}, not a file", kind=kind_of(info.st_mode))
    if not os.access(path, os.R_OK):
        return _("cannot be read (permission denied)")
    return None


def too_large(size: int, limit: int) -> str:
    return _("holds {size} bytes, more than pipecheck reads ({limit} MiB)", size=size, limit=limit // MiB)


def _describe_os_error(error: OSError) -> str:
    if error.errno == errno.ENAMETOOLONG:
        return _("the name is too long for the file system (a component over 255 bytes?)")
    if error.errno == errno.ELOOP:
        return _("a symbolic link that leads to itself")
    if error.errno in (errno.EACCES, errno.EPERM):
        return _("cannot be read (permission denied)")
    if error.errno == errno.ENOENT:
        return _("does not exist (or vanished while pipecheck read it)")
    return error.strerror or str(error)
