"""`pipecheck init`: a zoo network archive (or folder) becomes a project tree ready to edit.

Course layout (run from tod_tf2/):       Tutorial layout (run from <project>/):
  pre-trained/<net>/ (the archive)         <project>/pre-trained-models/<net>/
  <project>/training/<net>/pipeline.config <project>/models/<net>/pipeline.config
  <project>/images/{train,test}/           <project>/images/{train,test}/, annotations/, exported-models/
In a tod_tf2/ that already has training/ (the course's older single-project tree), the config goes
to training/<project>/<net>/ and the images to images/<project>/.

Nothing that exists is ever replaced: an extracted network already in place is reused as it
is, an existing pipeline.config stops the command. Extraction goes to a hidden folder first
and is renamed into place, so an interrupted init leaves no half network behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tarfile
import zlib
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.atomic import create_new, safe_folder, subfolder
from pipecheck.errors import InputError
from pipecheck.folders import empty_folder, held_open, place_folder, through_descriptor
from pipecheck.guarded import TEXT_LIMIT, read_bytes
from pipecheck.i18n import _
from pipecheck.project import PRETRAINED_FOLDERS

LAYOUTS = ("course", "tutorial")
MEMBER_LIMIT = 8 << 30  # above any detection checkpoint's shard, far below what a forged member claims
MAX_DEPTH, MAX_NAME, MAX_COMPONENT = 32, 4096, 255  # a zoo network is 3 levels deep; PATH_MAX, NAME_MAX
ARCHIVE_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


class InitError(InputError):
    """The archive or folder is not a zoo network, or init would overwrite something."""


@dataclass
class Plan:
    layout: str
    root: Path  # the launch folder: tod_tf2/ (course) or <project>/ (tutorial)
    net: str
    pretrained: Path
    config: Path
    data_folder: Path  # where the label map and the records go
    folders: list[Path] = field(default_factory=list)


@dataclass
class InitReport:
    plan: Plan
    created: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)


def plan_project(source: Path, project: str, layout: str, root: Path) -> Plan:
    if not project or project in (".", "..") or Path(project).name != project or "\\" in project:
        raise InitError(
            _(
                "--project {project!r}: a project is one folder name inside the launch folder, like "
                "faces_cubes (no / or .., not an absolute path)",
                project=project,
            )
        )
    net = network_name(source)
    if layout == "tutorial":
        root = root / project
        pretrained = root / "pre-trained-models" / net
        config = root / "models" / net / "pipeline.config"
        data = root / "annotations"
        folders = [data, root / "images" / "train", root / "images" / "test", root / "exported-models"]
    else:
        spelling = next((name for name in PRETRAINED_FOLDERS[:2] if (root / name).is_dir()), PRETRAINED_FOLDERS[0])
        pretrained = root / spelling / net
        if _single_project_tree(root, project):
            config = root / "training" / project / net / "pipeline.config"
            data = root / "training" / project
            folders = [root / "images" / project / "train", root / "images" / project / "test"]
        else:
            config = root / project / "training" / net / "pipeline.config"
            data = root / project / "training"
            folders = [root / project / "images" / "train", root / project / "images" / "test"]
    return Plan(layout, root, net, pretrained, config, data, folders)


def _listed(member: tarfile.TarInfo, source: Path) -> tarfile.TarInfo:
    """`member`, refused before anything is extracted when its name is deeper or longer than a path can be.

    A 2,100-level name made extraction recurse until Python gave up, and a 1 MB PAX name cost
    minutes; GNU tar refuses both at once, and so does this, from the listing.
    """
    name = member.name.encode("utf-8", "surrogateescape")
    parts = name.split(b"/")
    if len(name) > MAX_NAME or len(parts) > MAX_DEPTH or max(len(part) for part in parts) > MAX_COMPONENT:
        raise InitError(
            _(
                "{source}: refusing the entry {name!r}… ({length} bytes, {depth} levels): deeper or longer than a "
                "path may be ({limit_depth} levels, {limit_name} bytes, {limit_part} per name)",
                source=source,
                name=member.name[:60],
                length=len(name),
                depth=len(parts),
                limit_depth=MAX_DEPTH,
                limit_name=MAX_NAME,
                limit_part=MAX_COMPONENT,
            )
        )
    return member


def _single_project_tree(root: Path, project: str) -> bool:
    """The course's older tree keeps training/<project>/<net> (catalogue 3.1, variant A): a training/ folder
    at the root says so, unless this project already has its own <project>/training/."""
    return (root / "training").is_dir() and not (root / project / "training").is_dir()


def network_name(source: Path) -> str:
    """The network's folder name: the archive's single top folder, or the folder's own name."""
    if source.is_dir():
        if not (source / "pipeline.config").is_file():
            raise InitError(_("{source}: no pipeline.config in this folder (is it a zoo network?)", source=source))
        _check_folder(source)
        return source.resolve().name
    if not source.is_file():
        raise InitError(_("{source}: no such file or folder", source=source))
    try:
        with tarfile.open(source) as archive:
            members = [_listed(member, source) for member in archive]  # each one checked as it is read
    except ARCHIVE_ERRORS as error:
        raise InitError(_("{source}: not a readable tar archive ({error})", source=source, error=error)) from None
    for member in members:
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise InitError(
                _(
                    "{source}: refusing the entry {name!r} (outside the network folder, or a link or device)",
                    source=source,
                    name=member.name,
                )
            )
        if (
            member.sparse is not None
            or member.size > MEMBER_LIMIT
            or (Path(member.name).name == "pipeline.config" and member.size > TEXT_LIMIT)
        ):
            raise InitError(
                _(
                    "{source}: refusing the entry {name!r} ({size} bytes{sparse}): larger than a zoo "
                    "network's files ever are",
                    source=source,
                    name=member.name,
                    size=member.size,
                    sparse=_(", sparse") if member.sparse is not None else "",
                )
            )
    names = [member.name for member in members]
    tops = {Path(name).parts[0] for name in names if Path(name).parts and Path(name).parts[0] not in (".", "..")}
    if len(tops) != 1:
        raise InitError(
            _(
                "{source}: a zoo archive holds one folder, the network; this one holds {count}",
                source=source,
                count=len(tops),
            )
        )
    net = tops.pop()
    if f"{net}/pipeline.config" not in {name.removeprefix("./") for name in names}:
        raise InitError(_("{source}: no {net}/pipeline.config inside (is it a zoo network?)", source=source, net=net))
    return net


def init_project(
    source: Path, project: str, layout: str = "course", root: Path | None = None, classes: list[str] | None = None
) -> InitReport:
    launch = Path(root or Path.cwd()).absolute()  # the project: nothing is written outside it or through a link
    plan = plan_project(Path(source), project, layout, launch)
    if plan.config.exists():
        raise InitError(
            _(
                "{config} exists; pipecheck init never overwrites (lint it with pipecheck {folder})",
                config=os.path.relpath(plan.config),
                folder=os.path.relpath(plan.config.parent),
            )
        )
    report = InitReport(plan)
    if (plan.pretrained / "pipeline.config").is_file():
        report.reused.append(plan.pretrained)
    elif plan.pretrained.exists():
        raise InitError(
            _(
                "{folder} exists but holds no pipeline.config; move it away first",
                folder=os.path.relpath(plan.pretrained),
            )
        )
    else:
        _put_network(Path(source), plan.pretrained, launch)
        report.created.append(plan.pretrained)
    for folder in [plan.config.parent, *plan.folders]:  # through the guarded writer: made inside the root, no link
        existed = os.path.isdir(folder)
        safe_folder(folder, launch)
        if not existed:
            report.created.append(folder)
    # create_new: a config made meanwhile is never replaced, and no link is written through
    create_new(plan.config, read_bytes(plan.pretrained / "pipeline.config", TEXT_LIMIT), launch)
    report.created.append(plan.config)
    if classes:
        label_map = plan.data_folder / "label_map.pbtxt"
        if label_map.exists():
            report.reused.append(label_map)
        else:
            create_new(label_map, label_map_text(classes).encode("utf-8"), launch)
            report.created.append(label_map)
    return report


def label_map_text(classes: list[str]) -> str:
    items = [f'item {{\n  id: {number}\n  name: "{quoted(name)}"\n}}\n' for number, name in enumerate(classes, start=1)]
    return "\n".join(items)


def quoted(text: str) -> str:
    """`text` escaped for a double-quoted text-format string (a class may be called a"b)."""
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(escapes.get(c, c if c.isprintable() else f"\\{ord(c):03o}") for c in text)


def _put_network(source: Path, destination: Path, root: Path) -> None:
    """Copy or extract (entries checked by network_name) into a hidden folder, then rename into place.

    Every step happens in the network's folder as opened from the root through no link, and in the hidden
    folder made in it (through their descriptors, folders.through_descriptor): a link put at either's name
    meanwhile cannot take the network outside the project."""
    made_parent = not destination.parent.exists()
    with held_open(destination.parent, root, check=False) as parent:
        name = f".{destination.name}.partial-{secrets.token_hex(4)}"
        os.mkdir(name, 0o700, dir_fd=parent)
        staging = subfolder(parent, name, destination.parent / name)
        held = Path(through_descriptor(str(destination.parent / name), staging))
        try:
            _fill(source, held, destination.name)
            placed = Path(through_descriptor(str(destination.parent), parent)) / destination.name
            place_folder(held / destination.name, placed, shown=destination)  # nothing another init made replaced
        finally:
            empty_folder(held)
            os.close(staging)
            with suppress(OSError):
                os.rmdir(name, dir_fd=parent)
    if made_parent and not destination.exists():
        shutil.rmtree(destination.parent, ignore_errors=True)


def _fill(source: Path, staging: Path, name: str) -> None:
    """The network, copied or extracted into `staging` as `name`."""
    if source.is_dir():
        shutil.copytree(source, staging / name, symlinks=True)  # _check_folder refused links
        return
    _check_space(source, staging)
    try:
        with tarfile.open(source) as archive:
            archive.extractall(staging, **_data_filter())
    except ARCHIVE_ERRORS as error:
        raise InitError(
            _("{source}: the archive is damaged or cut short ({error}); download it again", source=source, error=error)
        ) from None


def _check_folder(source: Path) -> None:
    """A network folder is copied as it is: a link inside it would bring outside content into the project."""
    for folder, subfolders, files in os.walk(source):
        for name in subfolders + files:
            path = Path(folder) / name
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                raise InitError(
                    _(
                        "{source}: refusing {path} (a link, or not a file): copy the network folder without links",
                        source=source,
                        path=path,
                    )
                )


def _check_space(source: Path, staging: Path) -> None:
    with tarfile.open(source) as archive:
        needed = sum(member.size for member in archive.getmembers())
    free = shutil.disk_usage(staging).free
    if needed > free:
        raise InitError(
            _(
                "{source} holds {needed} bytes once extracted, more than the {free} free here",
                source=source,
                needed=needed,
                free=free,
            )
        )


def _data_filter() -> dict:
    return {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
