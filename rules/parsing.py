"""Rules about what text_format.Merge accepts silently: repeated values, overwritten choices, escapes."""

import math

from pipecheck import Finding, _, n_, rule

CODES = ("PC003", "PC019")

_CONTROL = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\0"}


@rule("PC011", "field-written-once", category="syntax", severity="warning")
def field_written_once(config):
    """A field that holds one value is written once in its block.

    Catalogue: P-08

    Why: the OD API parses with text_format.Merge, which keeps the last value without a
    word: adding `batch_size: 8` at the end of train_config while `batch_size: 64` stays
    above trains with the last one written. Two blocks of the same name are merged. The
    same value written again changes nothing: that is an info line for -v.

    Bad:
        append: train_config { batch_size: 4 }
        expect train_config.batch_size
    Good (the value changed where it is written):
        train_config.batch_size: 4
    """
    for notes in _by_path(config.notes, "duplicate"):
        first, last = notes[0].first, notes[-1].second
        name = notes[0].path.rsplit(".", 1)[-1]
        lines = ", ".join(str(n) for n in [first.line] + [note.second.line for note in notes])
        if notes[0].detail == "block":
            yield Finding(
                n_(
                    "{name} is written twice (lines {lines}): the blocks are merged, later values winning",
                    "{name} is written {count} times (lines {lines}): the blocks are merged, later values winning",
                    len(notes) + 1,
                    name=name,
                    lines=lines,
                ),
                field=notes[0].path,
                line=last.line,
                column=last.column,
                hint=_("keep a single block"),
            )
        else:
            ignored = ", ".join(dict.fromkeys(n.first.raw for n in notes if n.first.raw != last.raw))
            if not ignored:  # the same value each time (a fork writing it once per anchor): Merge keeps what all say
                yield Finding(
                    _(
                        "{name} is written {count} times (lines {lines}), each time {kept}: no effect",
                        name=name,
                        count=len(notes) + 1,
                        lines=lines,
                        kept=last.raw,
                    ),
                    field=notes[0].path,
                    line=last.line,
                    column=last.column,
                    hint=_("delete all but one"),
                    severity="info",
                    tier="detail",
                )
                continue
            yield Finding(
                n_(
                    "{name} is written twice (lines {lines}): the OD API keeps the last one, {kept}, and "
                    "ignores {ignored}",
                    "{name} is written {count} times (lines {lines}): the OD API keeps "
                    "the last one, {kept}, and ignores {ignored}",
                    len(notes) + 1,
                    name=name,
                    lines=lines,
                    kept=last.raw,
                    ignored=ignored,
                ),
                field=notes[0].path,
                line=last.line,
                column=last.column,
                hint=_("delete all but one; line {line} is the one in effect", line=last.line),
            )


def _by_path(notes, kind: str) -> list[list]:
    """Notes of one kind grouped by field path, in file order: a value written three times is one group."""
    groups: dict[str, list] = {}
    for note in notes:
        if note.kind == kind:
            groups.setdefault(note.path, []).append(note)
    return list(groups.values())


@rule("PC012", "one-choice-per-block", category="syntax", severity="warning")
def one_choice_per_block(config):
    """A block that holds one of several choices names only one.

    Catalogue: P-09

    Why: text_format.Merge keeps only the last member of a oneof: two augmentations in one
    data_augmentation_options block, two resizers in image_resizer, or a faster_rcnn block
    pasted next to an ssd one each silently lose the first.

    Bad:
        train_config.data_augmentation_options[0].random_adjust_brightness.max_delta: 0.2
        expect train_config.data_augmentation_options[0].random_adjust_brightness
    Good:
        train_config.data_augmentation_options[1].random_adjust_brightness.max_delta: 0.2
    """
    for notes in _by_path(config.notes, "oneof"):
        block = notes[0].path.rsplit(".", 1)[0]
        written = [notes[0].first] + [note.second for note in notes]
        kept = written[-1]
        dropped = list(dict.fromkeys(w.node.name for w in written[:-1] if w.node.name != kept.node.name))
        hint = (
            _("put each augmentation in its own data_augmentation_options {{ }} block")
            if "data_augmentation_options" in block
            else _("keep only {kept} (or only {first})", kept=kept.node.name, first=dropped[0])
        )
        yield Finding(
            _(
                "{block} sets {members} (lines {lines}), which exclude each other: only {kept} (line {line}) is kept",
                block=block,
                members=", ".join(dropped + [kept.node.name]),
                lines=", ".join(str(w.line) for w in written),
                kept=kept.node.name,
                line=kept.line,
            ),
            field=f"{block}.{kept.node.name}",
            line=kept.line,
            column=kept.column,
            hint=hint,
        )


@rule("PC013", "paths-without-backslashes", category="syntax")
def paths_without_backslashes(config, project):
    r"""Strings hold no control characters or backslashes (Windows paths).

    Catalogue: P-04

    Why: text format reads C escapes, so "C:\tmp\new\train.record" holds a tab and a
    newline and fails later as a missing file; an escaped backslash ("C:\\data") works
    only on Windows. Forward slashes work everywhere, Windows included. A path that does
    not exist here with forward slashes either is left to PC202 and PC302 (one finding).

    Bad:
        train_input_reader.label_map_path: "faces_cubes\training\label_map.pbtxt"
    Good:
        train_input_reader.label_map_path: "faces_cubes/training/label_map.pbtxt"
    """
    for field, location in config.located.scalars():
        value = location.parsed
        if not isinstance(value, str) or (value.isprintable() and "\\" not in value):
            continue  # no backslash, and no control character (none is printable): most strings, seen at once
        controls = [name for char, name in _CONTROL.items() if char in value]
        if value in project.relocated and not controls:
            continue  # a Windows path from another machine: PC206 gives its local path
        written = location.raw
        if controls:
            yield Finding(
                _(
                    "{value} contains control characters ({escapes}): a backslash in text format starts an escape",
                    value=written,
                    escapes=", ".join(controls),
                ),
                field=field,
                hint=_("write {name}: {value}", name=field.rsplit(".", 1)[-1], value=_slashes(written)),
            )
        elif "\\" in value and project.matches(_slashes(value)):
            yield Finding(
                _("{value} uses backslashes, which work only on Windows", value=written),
                field=field,
                severity="warning",
                hint=_("write {name}: {value}", name=field.rsplit(".", 1)[-1], value=_slashes(written)),
                replacement=_slashes(written),
            )


def _slashes(written: str) -> str:
    return written.replace("\\\\", "/").replace("\\", "/")


FLOAT32_MAX = 3.4028234663852886e38


@rule("PC014", "numbers-finite", category="syntax")
def numbers_finite(config):
    """Every number is finite: no inf, no nan, nothing too large for its field.

    Catalogue: P-10

    Why: text format accepts `inf`, `nan` and `1e400` (read as infinity) for any number,
    and a `float` field keeps 32 bits, so `1e39` becomes infinity too. The OD API takes them
    without a word: an infinite or NaN learning rate turns every weight NaN at the first
    step, a NaN threshold keeps or drops every box, and TF2 does not stop on NaN.

    Bad:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: nan
    Good:
        train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base: 0.005
    """
    for field, location in config.located.scalars():
        value = location.parsed
        if not isinstance(value, float):
            continue
        name = field.rsplit(".", 1)[-1]
        if math.isnan(value):
            message = _(
                "{name} is {written}, not a number: training turns NaN from the first step",
                name=name,
                written=location.raw,
            )
        elif math.isinf(value):
            message = _("{name} is {written}, which text format reads as infinity", name=name, written=location.raw)
        elif location.float32 and abs(value) > FLOAT32_MAX:
            message = _(
                "{name} is {written}, beyond the largest 32-bit float (3.4e38): the field holds infinity",
                name=name,
                written=location.raw,
            )
        else:
            continue
        yield Finding(message, field=field, hint=_("write a finite number for {name}", name=name))
