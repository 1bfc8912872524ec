"""Rules about the files the config names, resolved from the launch root like the OD API does."""

from pipecheck import Finding, _, cannot_decide, rule
from pipecheck.project import is_remote

from ._common import is_placeholder, leaf_name, other_course_spelling, path_fields, suggested_path


@rule("PC201", "no-placeholder-paths", category="paths", fix="safe")
def no_placeholder_paths(config, project, project_files):
    """No path is still a zoo placeholder (PATH_TO_BE_CONFIGURED, /placer/, /cns/).

    Catalogue: F-01

    Why: every zoo config ships with PATH_TO_BE_CONFIGURED in fine_tune_checkpoint,
    label_map_path and input_path (one zoo file even says PATH_TO_BEE_CONFIGURED), and some
    carry Google-internal /placer/ or /cns/ paths. The OD API fails on the first one it
    opens, a minute into the run.

    Bad:
        train_input_reader.label_map_path: "PATH_TO_BE_CONFIGURED/label_map.txt"
    Good:
        train_input_reader.label_map_path: "faces_cubes/training/label_map.pbtxt"

    Fix: safe; writes the matching file found in the project, when there is one.
    """
    for field, location in config.located.scalars():
        value = location.parsed
        if not isinstance(value, str) or not is_placeholder(value):
            continue
        suggestion = suggested_path(project, project_files, field)
        yield Finding(_("{name} is still the zoo placeholder {value!r}", name=leaf_name(field), value=value),
                      field=field,
                      hint=_('write {name}: "{path}"', name=leaf_name(field), path=suggestion) if suggestion
                      else _("write the path of your file, relative to the folder you train from"),
                      replacement=f'"{suggestion}"' if suggestion else None)


@rule("PC202", "paths-exist", category="paths", fix="safe")
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
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/train.record"
    Bad (shard pattern):
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record-?????-of-00010"
    Bad (the course's other spelling):
        train_input_reader.label_map_path: "faces_cubes/training/label_map.txt"
    Good:
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record"

    Fix: safe when the file exists under the course's other spelling (label_map.txt for
    label_map.pbtxt, pre_trained/ for pre-trained/): writes that one.
    """
    remote = []
    for field, value in path_fields(config):
        if not value or is_placeholder(value):
            continue
        if is_remote(value):
            remote.append(value)
            continue
        matches = project.matches(value)
        if matches:
            empty = [m for m in matches if m.is_file() and m.stat().st_size == 0]
            if empty:
                yield Finding(_("{path} is empty", path=project.display(empty[0])), field=field,
                              hint=_("regenerate the file (an interrupted conversion leaves it empty)"))
            continue
        respelt = other_course_spelling(project, value)
        yield Finding(_("{path} does not exist from the launch root {root}", path=value, root=project.root),
                      field=field,
                      hint=_('the project has {path}: write {name}: "{path}"', path=respelt, name=leaf_name(field))
                      if respelt else _where_it_is(project, project_files, field, value),
                      replacement=f'"{respelt}"' if respelt else None)
    if remote:
        cannot_decide(_("remote paths cannot be checked: {paths}", paths=", ".join(remote)))


def _where_it_is(project, project_files, field: str, value: str) -> str:
    for base in project.other_bases():
        if project.matches(value, base):
            return _("it exists relative to {base}: run from there (cd {base}) or pass --root {base}; the OD API "
                     "reads every path from the folder model_main_tf2.py runs in", base=base)
    suggestion = suggested_path(project, project_files, field)
    same_name = project_files.by_name(value.rsplit("/", 1)[-1])
    if same_name:
        return _('a file of that name is at {path}: write "{path}"', path=project.display(same_name[0]))
    if suggestion:
        return _('the project has {path}: write {name}: "{path}"', path=suggestion, name=leaf_name(field))
    return _("check the folder and the name; paths are relative to the folder you train from")


@rule("PC203", "input-path-set", category="paths")
def input_path_set(config):
    """Every input reader reads at least one TFRecord path.

    Catalogue: F-05

    Why: deleting the placeholder line leaves `tf_record_input_reader {}`; the dataset
    builder then stops with "At least one input path must be specified" after start-up.

    Bad:
        delete train_input_reader.tf_record_input_reader.input_path[0]
        expect train_input_reader.tf_record_input_reader.input_path
    Good:
        train_input_reader.tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record"
    """
    for path, reader in config.input_readers():
        kind = reader.WhichOneof("input_reader")
        if kind is None:
            yield Finding(_("{reader} reads no records: it has no tf_record_input_reader", reader=path),
                          field=f"{path}.tf_record_input_reader",
                          hint=_('add tf_record_input_reader {{ input_path: "<project>/training/train.record" }}'))
        elif kind == "tf_record_input_reader" and not reader.tf_record_input_reader.input_path:
            yield Finding(_("{reader}.tf_record_input_reader has no input_path", reader=path),
                          field=f"{path}.tf_record_input_reader.input_path",
                          hint=_('add input_path: "<project>/training/train.record"'))


@rule("PC204", "eval-not-train-records", category="paths", severity="warning")
def eval_not_train_records(config, project):
    """Evaluation does not read the training records.

    Catalogue: F-06

    Why: an eval input_path copied from the train reader makes every evaluation measure
    the images the model learnt: mAP looks great and overfitting is invisible.

    Bad:
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "faces_cubes/training/train.record"
    Good:
        eval_input_reader[0].tf_record_input_reader.input_path[0]: "faces_cubes/training/test.record"
    """
    train = {m.resolve() for v in config.train_input.tf_record_input_reader.input_path for m in project.matches(v)}
    for index, reader in enumerate(config.eval_inputs):
        for position, value in enumerate(reader.tf_record_input_reader.input_path):
            shared = {m.resolve() for m in project.matches(value)} & train
            if shared:
                yield Finding(_("evaluation reads {path}, which training reads too: the metrics will not show "
                                "overfitting", path=project.display(sorted(shared)[0])),
                              field=f"eval_input_reader[{index}].tf_record_input_reader.input_path[{position}]",
                              hint=_("evaluate on images the model never trains on (the course's test.record)"))
