"""The guarded writer's folders (atomic.py writes the files): a staging folder one run holds alone, and a
complete folder given its name only where nothing has that name.

An export or an init writes into a hidden staging folder, then renames it into place; `claimed_folder`
makes and holds the staging folder, `place_folder` does the rename.
"""

from __future__ import annotations

import os
import shutil
import stat
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
    """Rename the complete folder `staging` to `destination`, which must not exist (no link, nothing replaced)."""
    info = lstat_or_none(destination)
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise link_refused(destination)
    if info is not None:
        raise UnsafeWrite(_("{path} exists: pipecheck never replaces it, nothing written", path=destination))
    os.rename(staging, destination)


def _same_file(info, other) -> bool:
    return other is not None and (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def _empty(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
