"""The training reader's paths as PC204 compares them with the evaluation's: written, relocated, or a pattern."""

import fnmatch
import os
import posixpath
import re

from pipecheck.rulekit import is_placeholder, is_remote

_PATTERN = re.compile(r"[*?\[]")


class TrainingPaths:
    """Each training path looked at once: its text kept with its first index (a pattern listed) for the
    evaluation's paths to be looked up in, and the files they match only when an evaluation path matches some
    (100,000 absent training records cost one pass, not one per evaluation path or per pair)."""

    def __init__(self, project, values: list[str]):
        self.project, self.values, self._found = project, values, None
        self.texts: dict[bool, dict[str, int]] = {False: {}, True: {}}  # by remote: plain texts, first index
        self.patterns: list[tuple[int, tuple]] = []
        skipped, folders = project.placeholders, {}
        for index, value in enumerate(values):
            if value not in skipped:  # a placeholder names no records (PC201's)
                compared = _compared(project, value, folders)
                if compared[3]:
                    self.patterns.append((index, compared))
                else:
                    self.texts[compared[1]].setdefault(compared[0], index)

    def files(self) -> set:
        """The files the training paths match, resolved."""
        return set().union(*self._files_by_value().values())

    def first_sharing(self, files: set) -> int:
        """The first training path matching some of `files` (some do)."""
        found = self._files_by_value()
        return next(i for i, value in enumerate(self.values) if value in found and files & found[value])

    def first_naming(self, value: str) -> int | None:
        """The first training path naming the records `value` names: the same text, or a shard of a pattern."""
        if is_placeholder(value):
            return None
        mine = _compared(self.project, value, {})
        text, remote, _value, pattern = mine
        firsts = [self.texts[remote].get(text), *(i for i, other in self.patterns if _same_records(mine, other))]
        if pattern:  # the shards of the evaluation's pattern: its regular expression compiled once
            match = re.compile(fnmatch.translate(text)).match
            firsts.append(next((i for other, i in self.texts[remote].items() if match(other)), None))
        return min((first for first in firsts if first is not None), default=None)

    def _files_by_value(self) -> dict[str, set]:
        if self._found is None:
            found = self.project.existing(self.values, pattern=True)
            self._found = {value: {match.resolve() for match in matches} for value, matches in found.items()}
        return self._found


def _compared(project, value: str, folders: dict[str, str]) -> tuple[str, bool, str, bool]:
    """(the text compared, remote?, the value, a glob pattern?)."""
    remote = is_remote(value)
    text = value.rstrip("/") if remote else _normalised(project, value, folders)
    return text, remote, value, _PATTERN.search(text) is not None


def _normalised(project, value: str, folders: dict[str, str]) -> str:
    """The path as written, after relocation, with one separator and no ./ or doubled slash (strings, not
    Paths: it runs for every training path). A plain name's folder is normalised once, in `folders`."""
    local = project.local(value)
    if local is not None:
        return posixpath.normpath(str(local).replace("\\", "/"))
    head, name = value[: value.rfind("/") + 1], value[value.rfind("/") + 1 :]
    if "\\" in value or name in ("", ".", ".."):
        return posixpath.normpath(os.path.join(str(project.root), value).replace("\\", "/"))
    folder = folders.get(head)
    if folder is None:
        folder = folders[head] = posixpath.normpath(os.path.join(str(project.root), head).replace("\\", "/"))
    return folder + name if folder.endswith("/") else f"{folder}/{name}"


def _same_records(first, second) -> bool:
    """Both name the same files, or one is a shard that the other's pattern covers.

    A text with no pattern character matches only itself: fnmatch (a regular expression compiled
    a pattern) is asked only of patterns, so 100,000 plain training paths cost no compilation.
    """
    if first[1] != second[1]:
        return False
    return (
        first[0] == second[0]
        or (second[3] and fnmatch.fnmatchcase(first[0], second[0]))
        or (first[3] and fnmatch.fnmatchcase(second[0], first[0]))
    )
