"""Rules about what text_format.Merge accepts silently: repeated values, overwritten choices, escapes."""

from pipecheck import Finding, _, rule

_CONTROL = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\0"}


@rule("PC011", "field-written-once", category="syntax", severity="warning")
def field_written_once(config):
    """A field that holds one value is written once in its block.

    Catalogue: P-08

    Why: the OD API parses with text_format.Merge, which keeps the last value without a
    word: adding `batch_size: 8` at the end of train_config while `batch_size: 64` stays
    above trains with the last one written. Two blocks of the same name are merged.

    Bad:
        append: train_config { batch_size: 4 }
        expect train_config.batch_size
    Good (the value changed where it is written):
        train_config.batch_size: 4
    """
    for note in config.notes:
        if note.kind != "duplicate":
            continue
        name = note.path.rsplit(".", 1)[-1]
        if note.detail == "block":
            yield Finding(_("{name} is written twice (lines {first} and {second}): the two blocks are merged, later "
                            "values winning", name=name, first=note.first.line, second=note.second.line),
                          field=note.path, line=note.second.line, column=note.second.column,
                          hint=_("keep a single block"))
        else:
            yield Finding(_("{name} is written twice (lines {first} and {second}): the OD API keeps the last one, {kept}, "
                            "and ignores {ignored}", name=name, first=note.first.line, second=note.second.line,
                            kept=note.second.raw, ignored=note.first.raw), field=note.path,
                          line=note.second.line, column=note.second.column,
                          hint=_("delete one of them; line {line} is the one in effect", line=note.second.line))


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
    for note in config.notes:
        if note.kind != "oneof":
            continue
        block = note.path.rsplit(".", 1)[0]
        first, second = note.first.node.name, note.second.node.name
        hint = (_("put each augmentation in its own data_augmentation_options {{ }} block")
                if "data_augmentation_options" in block else _("keep only {second} (or only {first})", first=first,
                                                                  second=second))
        yield Finding(_("{block} sets both {first} (line {first_line}) and {second} (line {second_line}), which exclude "
                        "each other: only {second} is kept", block=block, first=first, first_line=note.first.line,
                        second=second, second_line=note.second.line), field=f"{block}.{second}",
                      line=note.second.line, column=note.second.column, hint=hint)


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
        if not isinstance(value, str):
            continue
        controls = [name for char, name in _CONTROL.items() if char in value]
        if value in project.relocated and not controls:
            continue  # a Windows path from another machine: PC206 gives its local path
        written = location.raw
        if controls:
            yield Finding(_("{value} contains control characters ({escapes}): a backslash in text format starts an "
                            "escape", value=written, escapes=", ".join(controls)),
                          field=field, hint=_("write {name}: {value}", name=field.rsplit(".", 1)[-1],
                                              value=_slashes(written)))
        elif "\\" in value and project.matches(_slashes(value)):
            yield Finding(_("{value} uses backslashes, which work only on Windows", value=written), field=field,
                          severity="warning",
                          hint=_("write {name}: {value}", name=field.rsplit(".", 1)[-1], value=_slashes(written)),
                          replacement=_slashes(written))


def _slashes(written: str) -> str:
    return written.replace("\\\\", "/").replace("\\", "/")
