"""What the path rules share: one finding per missing file's cause, where a missing file is, every line named."""

import re

from pipecheck import Finding, _, n_
from pipecheck.rulekit import is_dir, launched_elsewhere, tail_parts

from ._common import leaf_name, other_course_spelling, suggested_path

DETAILS = 20  # files of one cause listed each as a detail; the rest are counted


def lines_named(places: list) -> str:
    """' (lines 126, 139)' when a value is written in several places, every one to edit; else ''."""
    if len(places) < 2:
        return ""
    return _(" (lines {lines})", lines=", ".join(str(line) for _field, line in places))


def missing_findings(config, project, project_files, missing: dict[str, tuple[str, list[str]]]):
    """One finding per cause: the record files, other files under one absent folder, one path (every line named).
    `missing` holds each absent path's field name and the fields that name it.

    A cause of several files is one finding shown, its first DETAILS files each a detail (-v, JSON);
    the finding counts the others as `elided` (100,000 absent records cost a few findings, not 100,000).
    """
    groups: dict[str, list[str]] = {}
    for value, (name, _fields) in missing.items():
        folder = None if name == "input_path" else _absent_folder(project, value)
        key = "records" if name == "input_path" else f"folder:{folder}" if folder else f"path:{value}"
        groups.setdefault(key, []).append(value)
    for key, values in groups.items():
        if len(values) == 1:
            places = [(field, config.location(field)[0]) for field in missing[values[0]][1]]
            finding = _missing(project, project_files, places[0][0], values[0])
            finding.message += lines_named(places)
            yield finding
            continue
        files = [(missing[value][1][0], value) for value in values]
        if key == "records":
            lead = _missing_records(project, project_files, files)
        else:
            lead = _missing_folder(project, key.split(":", 1)[1], files)
        lead.elided, lead.cause = max(len(files) - DETAILS, 0), f"missing {key}"
        yield lead
        for field, value in files[:DETAILS]:
            finding = _missing(project, project_files, field, value)
            finding.tier, finding.cause = "detail", lead.cause
            yield finding


def _absent_folder(project, value: str) -> str | None:
    """The folder missing highest up on the way to `value`, as written from the launch root; None when its folder exists."""
    path, absent = project.resolve(value), None
    for parent in path.parents:
        if parent == project.root or is_dir(parent):
            break
        absent = parent
    return project.display(absent) if absent is not None else None


def _missing_folder(project, folder: str, files) -> Finding:
    names = _distinct_tails([value for _field, value in files], 5)
    return Finding(
        n_(
            "{folder} does not exist here (the config names {names} in it)",
            "{folder} does not exist here (the config names {count} files in it: {names})",
            len(files),
            folder=folder,
            names=", ".join(names[:4]) + (" ..." if len(names) > 4 else ""),
        ),
        field=files[0][0],
        hint=_(
            "copy {folder} into the project, or write where the files are from the folder you train in", folder=folder
        ),
    )


def _missing(project, project_files, field: str, value: str) -> Finding:
    respelt = other_course_spelling(project, value)
    if respelt:  # the course's other spelling of the same file (pre_trained/, label_map.txt): a safe fix
        return Finding(
            _("not found from the launch root: {path}", path=value),
            field=field,
            replacement=f'"{respelt}"',
            hint=_('the project has {path}: write {name}: "{path}"', path=respelt, name=leaf_name(field)),
        )
    if _foreign(value):
        message = _("not on this machine, nor any file here ending like it: {path}", path=value)
    else:
        message = _("not found from the launch root: {path}", path=value)
    return Finding(message, field=field, hint=_where_it_is(project, project_files, field, value))


def _missing_records(project, project_files, records) -> Finding:
    field, value = records[0]
    names = _distinct_tails([v for _field, v in records], 4)
    kept = next((n for n in (3, 2) if len(", ".join(names[:n])) <= 80), 1)  # long shard names: fewer (-v: details)
    shown = ", ".join(names[:kept]) + (" ..." if len(names) > kept else "")
    folders = set()
    for _field, value in records:
        folders.add(_folder_of(value))
        if len(folders) > 1:
            break  # several: the folder is not named
    folder = folders.pop() if len(folders) == 1 else None
    if folder is not None and not any(project.matches(folder, base) for base in [None, *project.other_bases()]):
        message = n_(
            "{folder} does not exist here (record {names})",
            "{folder} does not exist here ({count} records: {names})",
            len(records),
            folder=folder,
            names=shown,
        )
    else:
        message = n_(
            "record absent here: {names}",
            "{count} records absent here: {names}",
            len(records),
            names=shown,
        )
    hint = (
        _where_it_is(project, project_files, field, value)
        if launched_elsewhere(project, value)
        else _("copy the records into the project, or write where they are from the folder you train in")
    )
    return Finding(message, field=field, hint=hint)


def _distinct_tails(values: list[str], wanted: int) -> list[str]:
    """The first `wanted` distinct endings, each a path's shortest that no other path shares: train/*.tfrecord,
    val/*.tfrecord, not *.tfrecord twice. Only the paths holding an ending's last part are split to count
    it: linear in paths, and nothing split for paths that cannot share it."""
    shown: dict[str, None] = {}
    for value in values:
        mine = tail_parts(value) or [value]
        size = 1
        while size < len(mine) and _shared(mine[-size:], values):
            size += 1
        shown["/".join(mine[-size:])] = None
        if len(shown) >= wanted:
            break
    return list(shown)


def _shared(ending: list[str], values: list[str]) -> bool:
    """Whether more than one of `values` ends with the parts `ending` (the first, itself)."""
    holding = [value for value in values if ending[-1] in value]  # a part is text of its path
    ends = (tail_parts(value) or [value] for value in holding)
    return sum(1 for parts in ends if len(parts) >= len(ending) and parts[-len(ending) :] == ending) > 1


def _folder_of(value: str) -> str:
    normalized = value.replace("\\", "/")
    return normalized.rsplit("/", 1)[0] if "/" in normalized else "."


def _foreign(value: str) -> bool:
    """An absolute path, of this system or another (C:/..., /content/...)."""
    return value.startswith(("/", "\\", "~")) or bool(re.match(r"[A-Za-z]:[/\\]", value))


def _where_it_is(project, project_files, field: str, value: str) -> str:
    for base in project.bases_holding(value):
        if project.matches(value, base):
            return _(
                "it exists relative to {base}: run from there (cd {base}) or pass --root {base}; the OD API "
                "reads every path from the folder model_main_tf2.py runs in",
                base=base,
            )
    suggestion = suggested_path(project, project_files, field)
    if suggestion:
        return _('the project has {path}: write {name}: "{path}"', path=suggestion, name=leaf_name(field))
    return _("check the folder and the name; paths are relative to the folder you train from")
