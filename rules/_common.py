"""Helpers shared by the built-in rules (a leading underscore: not scanned for rules)."""

from __future__ import annotations

import posixpath
from pathlib import Path

from pipecheck import Finding, _, cannot_decide, n_
from pipecheck.rulekit import is_placeholder, label_map_ids  # is_placeholder: the rules' helper, in one place


def needs(value, block: str):
    """The value of a config accessor, or the rule stops undecided when the block that holds it is absent."""
    if value is None:
        cannot_decide(_("the config has no {block} block", block=block))
    return value


def leaf_name(field_path: str) -> str:
    return field_path.rsplit(".", 1)[-1].split("[", 1)[0]


def path_fields(config) -> list[tuple[str, str, str]]:
    """(field path, value, field name) of every written string field that names a file, except the checkpoint."""
    return [written for written in config.file_paths() if written[2] != "fine_tune_checkpoint"]


def suggested_path(project, project_files, field_path: str) -> str | None:
    """The project's file that this field most likely means, as a path from the launch root."""
    name = leaf_name(field_path)
    if name == "label_map_path" or name == "keypoint_label_map_path":
        candidates = project_files.label_maps
    elif name == "input_path":
        role = "train" if field_path.startswith("train") else "eval"
        candidates = project_files.records_for(role) or project_files.records
    elif name == "fine_tune_checkpoint":
        indexes = sorted(project_files.checkpoint_indexes, key=lambda p: (p.name != "ckpt-0.index", str(p)))
        candidates = [p.with_suffix("") for p in indexes]
    else:
        return None
    if not candidates:
        return None
    return project.display(candidates[0])


def label_map_misfit(path: Path, schema, num_classes: int | None) -> str:
    """'' when a label map suggested for a placeholder fits num_classes; else what its ids would do."""
    ids = sorted(set(label_map_ids(path, schema.label_map_class) or []))
    if not num_classes or not ids or ids[-1] <= num_classes:
        return ""
    shown = ", ".join(str(i) for i in ids[:10]) + (" ..." if len(ids) > 10 else "")
    if len(ids) <= num_classes:  # the items fit once renumbered
        return _(
            "; its ids ({ids}) go past num_classes {count}: those above {count} would train as background "
            "(number the items 1..{count}, or write num_classes: {highest})",
            ids=shown,
            count=num_classes,
            highest=ids[-1],
        )
    return _(
        "; its ids ({ids}) go past num_classes {count}: those above {count} would train as background "
        "(write num_classes: {highest})",
        ids=shown,
        count=num_classes,
        highest=ids[-1],
    )


def example_records(config, reader: str) -> str:
    """A records path for PC203's hint: the course's name for the reader's role, in the other readers' folder."""
    name = "train.record" if reader.startswith("train") else "test.record"
    for other, message in config.input_readers():
        for value in message.tf_record_input_reader.input_path if other != reader else ():
            folder = posixpath.dirname(value.strip().replace("\\", "/"))
            if folder and not is_placeholder(value):
                return f"{folder}/{name}"
    return f"<project>/training/{name}"


def reader_files(records):
    """(reader records, file facts, config field naming the file) for every record file."""
    for reader in records.readers.values():
        for facts, field in reader.located():
            yield reader, facts, field


def record_place(facts, where) -> str:
    """'train.record, record 12 (byte 34567)' for a record index or a problem found in one."""
    name = Path(facts.path).name
    index = where["index"] if isinstance(where, dict) else where
    offset = where["offset"] if isinstance(where, dict) else facts.offset_of(index)
    if offset is not None and offset >= 0:
        return _("{file}, record {index} (byte {offset})", file=name, index=index, offset=offset)
    return _("{file}, record {index}", file=name, index=index)


def record_problems(records, kinds, hint):
    """A finding per recorded problem of these kinds in every record file, then one for those not kept."""
    for _reader, facts, field in reader_files(records):
        for problem in facts.problems_of(*kinds):
            yield Finding(
                _("{place}: {problem}", place=record_place(facts, problem), problem=problem["message"]),
                field=field,
                hint=hint(problem),
            )
        hidden = facts.count(*kinds) - len(facts.problems_of(*kinds))
        if hidden > 0:
            yield Finding(
                n_(
                    "{file}: {count} more record problem of the same kinds",
                    "{file}: {count} more record problems of the same kinds",
                    hidden,
                    file=facts.path.rsplit("/", 1)[-1],
                ),
                field=field,
            )


# The course's versions spell the same files two ways (catalogue 3.1, F-02/F-03).
_COURSE_SPELLINGS = (
    ("pre-trained/", "pre_trained/"),
    ("pre_trained/", "pre-trained/"),
    ("label_map.txt", "label_map.pbtxt"),
    ("label_map.pbtxt", "label_map.txt"),
)


def other_course_spelling(project, value: str, suffix: str = "") -> str | None:
    """The value in the course's other spelling when only that one exists (`suffix`: e.g. ".index")."""
    if not value or is_placeholder(value):
        return None
    variants = {value}
    for old, new in _COURSE_SPELLINGS:
        variants |= {v.replace(old, new) for v in variants if old in v}
    for variant in sorted(variants - {value}):
        if project.matches(variant + suffix):
            return variant
    return None


def box_counts(reader) -> str:
    boxes = reader.class_boxes()
    return ", ".join(f"{name} {count}" for name, count in sorted(boxes.items())) or _("no boxes")
