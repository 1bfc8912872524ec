"""Rules about the files the config names, resolved from the launch root like the OD API does."""

import posixpath
import re

from pipecheck import N_, Finding, _, cannot_decide, rule
from pipecheck.rulekit import (
    ZOO_PLACEHOLDER,
    home_expansion,
    is_remote,
    launched_elsewhere,
    written_elsewhere,
)

from ._common import example_records, label_map_misfit, leaf_name, path_fields, suggested_path
from ._missing import lines_named, missing_findings
from ._training_paths import TrainingPaths

CODES = ("PC200", "PC206")

_CONTROL_CHARS = set("\t\n\r\a\b\f\v\0")
# The review's sign-off items these rules pre-fill.
PATHS_RESOLVE = N_("Every path resolves from the launch root")
EVAL_NOT_TRAIN = N_("Evaluation images are not training images")
# a word of a record file's name that says evaluation: test.record, val-00000-of-00010, eval_data.tfrecord
_EVALUATION_WORD = re.compile(r"(?<![a-z])(test|val|valid|validation|eval|evaluation)(?![a-z])")


@rule("PC201", "no-placeholder-paths", category="paths", fix="safe", checklist=PATHS_RESOLVE)
def no_placeholder_paths(config, project, project_files, schema):
    """No path is still a placeholder: the zoo's (PATH_TO_BE_CONFIGURED, /placer/, /cns/) or a tutorial's.

    Catalogue: F-01

    Why: every zoo config ships with PATH_TO_BE_CONFIGURED in fine_tune_checkpoint,
    label_map_path and input_path (one zoo file even says PATH_TO_BEE_CONFIGURED), and some
    carry Google-internal /placer/ or /cns/ paths; tutorials and notebooks leave their own
    (gs://${YOUR_GCS_BUCKET}/..., <path to label map>, YOUR_DATA_DIR, /path/to/train.record).
    The OD API fails on the first one it opens, a minute into the run. The same placeholder
    in several fields (the training and evaluation label_map_path) is one finding naming
    every line to edit, and the placeholders of one config are shown as one finding with a
    line for each (the JSON and -v keep each one whole). A label map the hint proposes is
    read: PC101 cannot judge a placeholder, so ids past num_classes are said there.

    Bad:
        train_input_reader.label_map_path: "PATH_TO_BE_CONFIGURED/label_map.txt"
    Bad (the project's label map has ids past num_classes):
        train_input_reader.label_map_path: "PATH_TO_BE_CONFIGURED"
        model.faster_rcnn.num_classes: 1
    Bad (tutorial):
        train_input_reader.tf_record_input_reader.input_path[0]: "gs://${YOUR_GCS_BUCKET}/data/train.record"
    Bad (path to):
        train_input_reader.label_map_path: "/path/to/label_map.pbtxt"
    Good:
        train_input_reader.label_map_path: "faces_cubes/training/label_map.pbtxt"

    Fix: safe; writes the matching file found in the project, when there is one.
    """
    found = project.placeholders
    if not found:
        return  # most configs: none, known at once
    written: dict[tuple, list] = {}  # one finding per placeholder and field name, naming every line
    for field, location in config.located.scalars():
        if isinstance(location.parsed, str) and location.parsed in found:
            written.setdefault((location.parsed, leaf_name(field)), []).append((field, location.line))
    for (value, name), places in written.items():
        field = places[0][0]
        suggestion = suggested_path(project, project_files, field)
        message = (
            _("{name} is still the zoo placeholder {value!r}", name=name, value=value)
            if ZOO_PLACEHOLDER.search(value)
            else _("{name} is still a placeholder to fill in: {value!r}", name=name, value=value)
        )
        misfit = (
            label_map_misfit(project.resolve(suggestion), schema, config.num_classes)
            if name == "label_map_path" and suggestion
            else ""
        )
        yield Finding(
            message + lines_named(places),
            field=field,
            hint=_('write {name}: "{path}"', name=name, path=suggestion) + misfit
            if suggestion
            else _("write the path of your file, relative to the folder you train from"),
            replacement=f'"{suggestion}"' if suggestion else None,  # fix writes the other lines in its next round
            cause="placeholders",  # the config's paths never filled in: one finding, each place a line under it
        )


@rule("PC202", "paths-exist", category="paths", fix="safe", checklist=PATHS_RESOLVE)
def paths_exist(config, project, project_files):
    """Every label map and record path exists, seen from the launch root.

    Catalogue: F-02, F-03, F-04

    Why: the OD API resolves every path against the folder model_main_tf2.py runs from
    (tod_tf2/ in the course), never against the config's folder. A wrong folder, a
    label_map.txt that is really label_map.pbtxt, or a zoo shard pattern such as
    train-?????-of-00256 kept for a single train.record fails only after start-up
    ("Did not find any input files matching the glob pattern"). Remote paths (gs://...)
    cannot be checked and make this rule undecided.

    Bad:
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/trian.record"
    Bad (shard pattern):
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record-?????-of-00010"
    Bad (the course's other spelling):
        train_input_reader.label_map_path: "faces_cubes/training/label_map.txt"
    Good:
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record"

    One cause is one finding: the files under one absent folder (the first 20 each a detail: -v,
    JSON, which counts the others), or one path named by the training and the evaluation reader,
    with every line to edit.

    Fix: safe when the file exists under the course's other spelling (label_map.txt for
    label_map.pbtxt, pre_trained/ for pre-trained/): writes that one.
    """
    remote, checked, missing = [], [], {}
    for field, value, name in path_fields(config):
        if not value or value in project.placeholders:
            continue
        if is_remote(value):
            remote.append(value)
            continue
        if home_expansion(value) is not None:
            continue  # it exists once ~ is expanded, which TensorFlow does not do: PC207 says what to write
        if value in project.relocated and not launched_elsewhere(project, value):
            continue  # written for another machine: PC206 says where it is here
        checked.append((field, value, name))
    found = {  # the records are glob patterns for the OD API; the other paths are names
        pattern: project.existing([v for _f, v, n in checked if (n == "input_path") == pattern], project.root, pattern)
        for pattern in (True, False)
    }
    for field, value, name in checked:
        matches = found[name == "input_path"].get(value)
        if matches:
            empty = [m for m in matches if _size(m) == 0]
            if empty:
                yield Finding(
                    _("{path} is empty", path=project.display(empty[0])),
                    field=field,
                    hint=_("regenerate the file (an interrupted conversion leaves it empty)"),
                )
            continue
        missing.setdefault(value, (name, []))[1].append(field)
    yield from missing_findings(config, project, project_files, missing)
    if remote:
        cannot_decide(_("remote paths cannot be checked: {paths}", paths=", ".join(remote)))


def _size(path) -> int | None:
    """A regular file's size; None for anything else, or a file gone since it was matched."""
    from pipecheck.rulekit import file_size

    try:
        return file_size(path)
    except OSError:
        return None


@rule("PC206", "paths-from-another-machine", category="paths", fix="safe", checklist=PATHS_RESOLVE)
def paths_from_another_machine(config, project):
    r"""A path written for another machine names the project's file whose path ends like it.

    Catalogue: F-02

    Why: configs published in notebooks and tutorials keep their author's paths
    (/content/drive/MyDrive/..., C:\Users\...\, /home/<someone>/...). The OD API fails on
    the first one it opens. When the project holds one file whose path ends with the
    longest part of the missing one (either separator, drive letters and home folders
    aside), that file is meant: the rules that read the label map, the records or the
    checkpoint read it, and `fix` writes its path. When several files end equally well,
    nothing is decided and they are listed. A relative path absent here is another machine's
    only when it has backslashes; otherwise it is taken for a file here only when they differ
    in the first folder alone (pre-trained/ for pre_trained/), else PC202 reports it missing.
    An exported model's label map (display_name only, under saved_model/ or export...) is
    never taken for a training one.

    Bad:
        train_input_reader.label_map_path: "/content/drive/MyDrive/faces_cubes/training/label_map.pbtxt"
    Bad (Windows):
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "C:\\Users\\me\\tod_tf2\\faces_cubes\\training\\test.record"
    Good:
        train_input_reader.label_map_path: "faces_cubes/training/label_map.pbtxt"

    Fix: safe; writes the local path, relative to the launch root.
    """
    reported = set()
    for field, location in config.located.scalars() if project.relocated else ():
        matches = project.relocated.get(location.parsed) if isinstance(location.parsed, str) else None
        if (
            not matches
            or _CONTROL_CHARS & set(location.parsed)
            or location.parsed in reported
            or launched_elsewhere(project, location.parsed, leaf_name(field) == "fine_tune_checkpoint")
        ):
            continue  # control characters: PC013 says how to write it; another launch folder: PC202 says which
        reported.add(location.parsed)  # one finding per path; fix rewrites the other fields in its next round
        name = leaf_name(field)
        if len(matches) == 1:
            local = project.display(matches[0])
            yield Finding(
                _("written for another machine: {value}", value=location.raw)
                if written_elsewhere(location.parsed)
                else _(
                    "{value} does not exist from the launch root; the project has {path}, spelt differently only "
                    "in its first folder",
                    value=location.raw,
                    path=local,
                ),
                field=field,
                hint=_('the project has it: write {name}: "{path}"', name=name, path=local),
                replacement=f'"{local}"',
            )
        else:
            shown = ", ".join(project.display(m) for m in matches[:5]) + (" ..." if len(matches) > 5 else "")
            yield Finding(
                _(
                    "{value} does not exist here, and {count} files end like it: {paths}; nothing that "
                    "reads it was checked",
                    value=location.raw,
                    count=len(matches),
                    paths=shown,
                ),
                field=field,
                hint=_(
                    "write {name} with the path of the file you mean, relative to the folder you train from", name=name
                ),
            )


@rule("PC203", "input-path-set", category="paths", checklist=PATHS_RESOLVE)
def input_path_set(config):
    """Every input reader reads at least one TFRecord path.

    Catalogue: F-05

    Why: deleting the placeholder line leaves `tf_record_input_reader {}`; the dataset
    builder then stops with "At least one input path must be specified" after start-up.
    An input_path of "" (the value deleted, the line kept) passes that check, and
    tf.io.gfile.glob finds no file for it: "Did not find any input files matching the
    glob pattern ['']" (builders/dataset_builder.py:78-82). The hint's path is an example:
    the course's name for the reader's role (train.record, test.record) in the folder of the
    other reader's records, when one is written.

    Bad:
        delete train_input_reader.tf_record_input_reader.input_path[0]
        expect train_input_reader.tf_record_input_reader.input_path
    Bad (an empty string):
        eval_input_reader[0].tf_record_input_reader.input_path[0]: ""
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Good:
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record"
    """
    for path, reader in config.input_readers():
        kind = reader.WhichOneof("input_reader")
        if kind is None:
            yield Finding(
                _("{reader} reads no records: it has no tf_record_input_reader", reader=path),
                field=f"{path}.tf_record_input_reader",
                hint=_('add tf_record_input_reader {{ input_path: "{path}" }}', path=example_records(config, path)),
            )
        elif kind == "tf_record_input_reader" and not reader.tf_record_input_reader.input_path:
            yield Finding(
                _("{reader}.tf_record_input_reader has no input_path", reader=path),
                field=f"{path}.tf_record_input_reader.input_path",
                hint=_('add input_path: "{path}"', path=example_records(config, path)),
            )
        elif kind == "tf_record_input_reader" and not any(v.strip() for v in reader.tf_record_input_reader.input_path):
            yield Finding(
                _('{reader}.tf_record_input_reader.input_path is "": the reader finds no record file', reader=path),
                field=f"{path}.tf_record_input_reader.input_path[0]",
                hint=_(
                    'write where the records are, for example input_path: "{path}"', path=example_records(config, path)
                ),
            )


@rule("PC204", "eval-not-train-records", category="paths", severity="warning", checklist=EVAL_NOT_TRAIN)
def eval_not_train_records(config, project):
    """Evaluation does not read the training records.

    Catalogue: F-06

    Why: an eval input_path copied from the train reader makes every evaluation measure
    the images the model learnt: mAP looks great and overfitting is invisible. The paths
    themselves are compared too (separators, ./ and // aside, after relocation), and the
    shard patterns (train-?????-of-00010 covers train-00003-of-00010), so the copy is seen
    when the records are absent, as in every published repository. When the records both
    read are named for evaluation (test.record, val-?????-of-00010), the copy went the other
    way: the finding is on the training reader's line, the one to edit, and names both.

    Bad:
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record"
    Bad (training reads the evaluation records):
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/test.record"
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Bad (records absent):
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "./faces_cubes//training/train-?????-of-00004"
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train-?????-of-00004"
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Bad (a shard of the training pattern):
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "data/train-00003-of-00004"
        train_input_reader.tf_record_input_reader.input_path[0]: "data/train-?????-of-00004"
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Good:
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "faces_cubes/training/test.record"
    Good (records absent):
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "data/val-?????-of-00004"
        train_input_reader.tf_record_input_reader.input_path[0]: "data/train-?????-of-00004"
        option --ignore PC202
    """
    train_values = list(config.train_input.tf_record_input_reader.input_path)
    training = TrainingPaths(project, train_values)
    told = set()  # a training path read by several eval paths: one finding on the training line
    for index, reader in enumerate(config.eval_inputs):
        for position, value in enumerate(reader.tf_record_input_reader.input_path):
            mine = _matched(project, value)
            shared = mine & training.files() if mine else set()  # the training files, found only when needed
            written = training.first_naming(value)
            if not shared and written is None:
                continue
            path = project.display(sorted(shared)[0]) if shared else value
            field = f"eval_input_reader[{index}].tf_record_input_reader.input_path[{position}]"
            if written is None:  # the same files under two spellings: the training value the files came from
                written = training.first_sharing(mine)
            if _evaluation_name(train_values[written]):
                if written not in told:
                    told.add(written)
                    yield _training_reads_evaluation_records(config, path, written, field)
                continue
            yield Finding(
                _(
                    "evaluation reads {path}, which training reads too: the metrics will not show overfitting",
                    path=path,
                ),
                field=field,
                hint=_("evaluate on images the model never trains on (the course's test.record)"),
            )


def _matched(project, value: str) -> set:
    return {m.resolve() for m in project.matches(value, pattern=True)}


def _evaluation_name(value: str) -> bool:
    """test.record, val-?????-of-00010, eval_data.tfrecord: a name for evaluation records, not training ones."""
    name = posixpath.basename(value.replace("\\", "/")).lower()
    return bool(_EVALUATION_WORD.search(name)) and "train" not in name


def _training_reads_evaluation_records(config, path: str, position: int, eval_field: str) -> Finding:
    """Both readers read records named for evaluation: the line to edit is the training reader's."""
    field = f"train_input_reader.tf_record_input_reader.input_path[{position}]"
    places = [(f, config.located.locations[f].line) for f in (field, eval_field) if f in config.located.locations]
    return Finding(
        _(
            "training and evaluation both read {path}{lines}, records named for evaluation: the model learns "
            "the images it is evaluated on, and the metrics will not show overfitting",
            path=path,
            lines=lines_named(places),
        ),
        field=field,
        hint=_(
            "edit the training reader's input_path (line {line}) to the training records (the course's "
            "train.record); evaluation keeps {name}",
            line=places[0][1],
            name=posixpath.basename(path.replace("\\", "/")),
        ),
    )
