"""Discover the project around a pipeline.config: launch root, layout, original zoo config.

Every path in a pipeline.config is resolved by the OD API against the directory
model_main_tf2.py runs from (the launch root), never against the config's own folder.
"""

from __future__ import annotations

import glob
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.errors import InputError
from pipecheck.guarded import is_dir, is_regular
from pipecheck.i18n import N_, _

PRETRAINED_FOLDERS = ("pre-trained", "pre_trained", "pre-trained-models")
LAUNCH_MARKERS = PRETRAINED_FOLDERS + ("model_main_tf2.py", "exporter_main_v2.py")
REMOTE_PREFIXES = ("gs://", "s3://", "hdfs://", "http://", "https://", "ram://")
_SHELL_ESCAPE = re.compile(r"\\([ ()&'!$;,*?\[\]])")  # what a shell escapes; not a Windows separator
_GLOB = re.compile(r"[*?\[]")  # a search is one C call: it runs for every path, several times
ZOO_PLACEHOLDER = re.compile(r"PATH_TO_BE+_CONFIGURED|(^|/)(placer|cns)/", re.IGNORECASE)
# What tutorials and notebooks leave for the reader to fill in: ${YOUR_GCS_BUCKET}, <path>, YOUR_..., /path/to/.
PLACEHOLDER = re.compile(
    ZOO_PLACEHOLDER.pattern + r"|\$\{[^}]*\}|<[^<>]*>|(?-i:\bYOUR_|\bYOUR[ -])|(^|/)path/to/", re.IGNORECASE
)


class ProjectError(InputError):
    """The argument does not lead to a pipeline.config (exit 2)."""


@dataclass
class Project:
    root: Path
    config_path: Path
    layout: str
    inferred_root: Path | None
    explicit_root: bool = False
    explicit_original: Path | None = None
    notes: list[str] = field(default_factory=list)
    # Paths written for another machine: {value: project files its tail names} (project.relocate).
    relocated: dict[str, list[Path]] = field(default_factory=dict)
    # The config's strings that are placeholders (project.relocate): found once, for every rule that skips them.
    placeholders: set[str] = field(default_factory=set)
    files: object = None  # the ProjectFiles walk, shared by whoever needs it first
    # Computed once per lint, so that each path costs O(1) however many the config names:
    # the other bases, the root's real path, and whether each folder a path names is one.
    _bases: list[Path] | None = field(default=None, repr=False, compare=False)
    _real_root: str | None = field(default=None, repr=False, compare=False)
    _folders: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _holding: dict[str, list[Path]] = field(default_factory=dict, repr=False, compare=False)
    _real_folders: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _matched: dict[tuple, tuple[Path, ...]] = field(default_factory=dict, repr=False, compare=False)
    _absent: dict[str | tuple, bool] = field(default_factory=dict, repr=False, compare=False)

    @property
    def net_name(self) -> str:
        return self.config_path.parent.name

    @property
    def config_dir(self) -> Path:
        return self.config_path.parent

    def resolve(self, value: str, base: Path | None = None) -> Path:
        """The file a path names from the launch root (or `base`); for another machine's path, its local match."""
        local = self.local(value) if base is None else None
        if local is not None:
            return local
        path = Path(value)
        return path if path.is_absolute() else (base or self.root) / path

    def local(self, value: str) -> Path | None:
        """The one project file a path written for another machine stands for, if found."""
        found = self.relocated.get(value)
        return found[0] if found and len(found) == 1 else None

    def matches(self, value: str, base: Path | None = None, pattern: bool = False) -> list[Path]:
        """Files a path or glob pattern names, as the OD API's gfile.glob would find them.

        With `pattern` (an input_path, which dataset_builder globs), a shell escape such as
        `Na\\ m` names `Na m` as it does for TensorFlow on Linux and macOS: its glob matches with
        fnmatch, where a backslash escapes the next character (GFile, for the other paths,
        takes the backslash as part of the name).
        """
        if not value or is_remote(value):
            return []  # gfile.glob("") finds nothing, where the root joined with "" would be the launch folder
        if pattern and os.sep == "/" and "\\" in value:
            value = _SHELL_ESCAPE.sub(lambda escaped: glob.escape(escaped.group(1)), value)
        local = self.local(value) if base is None else None
        if local is None and self._in_absent_folder(value, base):
            return []  # 100,000 records in 100 absent folders: 100 folders looked at, nothing kept per path
        key = (value, base or self.root, local)  # asked by relocation, PC202, PC204 and the records: found once
        found = self._matched.get(key)
        if found is None:  # a tuple: an absent file's is the one empty tuple, not a list each
            found = self._matched[key] = tuple(self._matches(value, base, local))
        return list(found)

    def existing(self, values: list[str], base: Path | None = None, pattern: bool = False) -> dict[str, list[Path]]:
        """{value: its matches} for those of `values` that name files (see matches): the values under one
        folder that does not exist are set aside together (100,000 records in 100 absent folders: 100 looks)."""
        by_folder: dict[str, list[str]] = {}
        for value in values:
            by_folder.setdefault(value.rpartition("/")[0], []).append(value)
        found = {}
        for folder, group in by_folder.items():
            if self._nothing_under(folder, group, base, pattern):
                continue
            for value in group:
                matches = self.matches(value, base, pattern)
                if matches:
                    found[value] = matches
        return found

    def _nothing_under(self, folder: str, values: list[str], base: Path | None, pattern: bool) -> bool:
        """Whether `values`, all in `folder`, name nothing: the folder (no pattern, no escape in its name) does not
        exist, and none of them is relocated (see matches, which looks at each)."""
        if (pattern and "\\" in folder) or (
            base is None and self.relocated and any(v in self.relocated for v in values)
        ):
            return False
        return self._in_absent_folder(folder + "/", base)

    def _matches(self, value: str, base: Path | None, local: Path | None) -> list[Path]:
        from pipecheck.guarded import exists

        if local is not None:
            value = str(local)
        if _GLOB.search(value):
            prefix = "" if os.path.isabs(value) else glob.escape(str(base or self.root)) + os.sep
            return sorted(Path(p) for p in glob.glob(prefix + value) if exists(p))
        # strings, not Paths, on this path: it runs for every path of the config from every base
        text = value if local is not None else os.path.join(str(base or self.root), value)
        return [Path(text)] if self._folder_exists(os.path.dirname(text)) and exists(text) else []

    def folder_exists(self, folder: str, base: Path | None = None) -> bool:
        """Whether a relative path's folder exists from the root (or `base`), asked once a folder."""
        return self._folder_exists(os.path.dirname(os.path.join(str(base or self.root), folder, "")))

    def _in_absent_folder(self, value: str, base: Path | None) -> bool:
        """Whether `value` names something in a folder that does not exist (no pattern in the folder's name):
        nothing there to match, whatever the file's name (asked once a folder)."""
        folder = value.rpartition("/")[0]
        key = folder if base is None or base is self.root else (folder, str(base))  # a Path's hash is slow
        absent = self._absent.get(key)
        if absent is None:
            absent = self._absent[key] = (
                bool(folder) and not _GLOB.search(folder) and not self.folder_exists(folder, base)
            )
        return absent

    def _folder_exists(self, folder: str) -> bool:
        """Whether `folder` is one, asked once: 100,000 absent records in 100 absent folders cost 100 stats."""
        known = self._folders.get(folder)
        if known is None:
            known = self._folders[folder] = is_dir(Path(folder or "."))
        return known

    def other_bases(self) -> list[Path]:
        """Folders a relative path might have been written against, besides the root."""
        if self._bases is None:
            self._bases = self._other_bases()
        return self._bases

    def bases_holding(self, value: str) -> list[Path]:
        """The other bases under which `value`'s folder exists: the only ones it can exist from (asked once a folder)."""
        folder = os.path.dirname(value)
        if _GLOB.search(folder):
            return self.other_bases()
        found = self._holding.get(folder)
        if found is None:
            found = self._holding[folder] = [
                base for base in self.other_bases() if self._folder_exists(os.path.join(str(base), folder))
            ]
        return found

    def _other_bases(self) -> list[Path]:
        bases: list[Path] = []
        for candidate in [self.inferred_root, self.config_dir, *self.config_dir.parents]:
            if candidate is None:
                continue
            candidate = candidate.resolve()
            if candidate != self.root.resolve() and candidate not in bases:
                bases.append(candidate)
        return bases[:8]

    def display(self, path: Path | str) -> str:
        """A path as the user would write it: relative to the root when inside it."""
        path = Path(path)
        if self._real_root is None:
            self._real_root = os.path.realpath(self.root)
        try:  # realpath, not resolve(): a symlink loop is a finding's subject, not an exception
            return str(Path(self._real_path(str(path))).relative_to(self._real_root))
        except ValueError:
            return str(path)

    def _real_path(self, text: str) -> str:
        """os.path.realpath, its folder's part computed once a folder (a file that is no link adds only its name)."""
        folder, name = os.path.split(text)
        if name in ("", ".", "..") or os.path.islink(text):
            return os.path.realpath(text)
        real = self._real_folders.get(folder)
        if real is None:
            real = self._real_folders[folder] = os.path.realpath(folder or ".")
        return os.path.join(real, name)

    def original_candidates(self, fine_tune_checkpoint: str) -> list[Path]:
        if self.explicit_original is not None:
            original = self.explicit_original
            return [original / "pipeline.config" if original.is_dir() else original]
        candidates: list[Path] = []
        bases = [self.root] + ([self.inferred_root] if self.inferred_root else [])
        if fine_tune_checkpoint and not is_remote(fine_tune_checkpoint):
            for base in bases:
                checkpoint = self.resolve(fine_tune_checkpoint, base)
                for folder in (checkpoint, checkpoint.parent, checkpoint.parent.parent):
                    if folder.name == "checkpoint" or is_dir(folder / "checkpoint"):
                        candidates.append(
                            (folder.parent if folder.name == "checkpoint" else folder) / "pipeline.config"
                        )
        for base in bases:
            for pretrained in PRETRAINED_FOLDERS:
                candidates.append(base / pretrained / self.net_name / "pipeline.config")
        own = self.config_path.resolve()
        unique: list[Path] = []
        for candidate in candidates:
            if is_regular(candidate) and candidate.resolve() != own and candidate.resolve() not in unique:
                unique.append(candidate.resolve())
        if not unique:  # only then walk the project for a zoo folder moved elsewhere
            unique = [c.resolve() for c in self._zoo_config_by_tail(fine_tune_checkpoint) if is_regular(c)]
            unique = [c for c in dict.fromkeys(unique) if c != own]
        return unique

    def _zoo_config_by_tail(self, fine_tune_checkpoint: str) -> list[Path]:
        """The zoo's pipeline.config in the network folder a checkpoint written for another machine names.

        `/content/models/pre-trained-models/<net>/checkpoint/ckpt-0` names <net>; a project that
        has `<anything>/<net>/pipeline.config` (the archive extracted without its checkpoint, as
        published repositories keep it) holds the original.
        """
        parts = tail_parts(fine_tune_checkpoint or "")
        if "checkpoint" not in parts[:-1] or self.files is None:
            return []
        last = len(parts) - 1 - parts[::-1].index("checkpoint")
        if last == 0:
            return []
        net = parts[last - 1]
        return [path for path in self.files.all if path.name == "pipeline.config" and path.parent.name == net]


def is_remote(value: str) -> bool:
    return value.startswith(REMOTE_PREFIXES)


# Text that every match of PLACEHOLDER holds, lowercased: most paths hold none, and `in` is 5x faster than the search.
_PLACEHOLDER_HINTS = ("path_to_be", "placer/", "cns/", "${", "<", "your", "path/to/")


def placeholders(values: list[str]) -> set[str]:
    """The placeholders among `values`, each asked only when their text together holds a hint of one."""
    lowered = "\n".join(values).lower()
    if lowered.isascii() and not any(hint in lowered for hint in _PLACEHOLDER_HINTS):
        return set()
    return {value for value in values if is_placeholder(value)}


def is_placeholder(value: str) -> bool:
    if value.isascii():  # IGNORECASE folds some non-ASCII letters onto ASCII ones (the Kelvin sign is a k)
        lowered = value.lower()
        for hint in _PLACEHOLDER_HINTS:  # a loop, not any(): a generator costs more than the test
            if hint in lowered:
                break
        else:
            return False
    return bool(PLACEHOLDER.search(value))


_DRIVE = re.compile(r"^[A-Za-z]:")
_PLAIN_CHARS = string.ascii_letters + string.digits + "_.-/"


def is_plain_relative(value: str) -> bool:
    """A relative path of ASCII letters, digits and _ . - that does not climb out (no ..) nor end in /: no glob,
    backslash, drive, ~ or space to read in it (str.strip is the test: 5x faster than a regular expression)."""
    return bool(value) and not value.strip(_PLAIN_CHARS) and value[0] != "/" and value[-1] != "/" and ".." not in value


def tail_parts(value: str) -> list[str]:
    """The components of a path written on any system: both separators, no drive, no home marker."""
    text = value.strip().replace("\\", "/")
    if text[1:2] == ":":  # the regular expression only where a drive can be: it runs for every missing path
        text = _DRIVE.sub("", text)
    return [part for part in text.split("/") if part not in ("", ".", "~")]


def discover_project(
    target: Path, root: Path | None = None, original: Path | None = None, unsaved: bool = False
) -> Project:
    """The project around `target`; with `unsaved`, a config file that is not on disk yet (an editor's
    new buffer, a notebook cell) is taken where it would be written."""
    target = Path(target)
    if unsaved and not target.is_dir() and not os.path.lexists(target) and target.name.endswith(".config"):
        config_path = target
    elif target.is_dir():
        config_path = target / "pipeline.config"
        if not config_path.is_file():
            configs = sorted(target.glob("*.config"))
            if len(configs) != 1:
                raise ProjectError(
                    _(
                        "{target}: no pipeline.config in this folder (give the network's training "
                        "folder, e.g. faces_cubes/training/<net>, or the config file itself)",
                        target=target,
                    )
                )
            config_path = configs[0]
    elif target.is_file():
        config_path = target
    else:
        from pipecheck.guarded import problem_with

        raise ProjectError(
            _("{target}: {problem}", target=target, problem=problem_with(target) or _("no such file or folder"))
        )
    if original is not None and not Path(original).exists():
        raise ProjectError(_("--original {path}: no such file or folder", path=original))
    inferred = _infer_root(config_path)
    launch_root = Path(root) if root is not None else Path.cwd()
    if not launch_root.is_dir():
        raise ProjectError(_("--root {path}: not a folder", path=launch_root))
    return Project(
        root=launch_root.absolute(),
        config_path=config_path.absolute(),
        layout=_layout(config_path, inferred),
        inferred_root=inferred,
        explicit_root=root is not None,
        explicit_original=Path(original).absolute() if original is not None else None,
    )


def _infer_root(config_path: Path) -> Path | None:
    for folder in config_path.absolute().parents:
        if any((folder / marker).exists() for marker in LAUNCH_MARKERS):
            return folder
    return None


def _layout(config_path: Path, inferred_root: Path | None) -> str:
    if inferred_root is None:
        return N_("unknown layout")
    parts = config_path.absolute().relative_to(inferred_root).parts
    if len(parts) == 4 and parts[1] == "training":
        return N_("course: <project>/training/<net>")
    if len(parts) == 4 and parts[0] == "training":
        return N_("course: training/<project>/<net>")
    if len(parts) == 3 and parts[0] == "models":
        return N_("tutorial: training_demo/models/<name>")
    return N_("unknown layout")
