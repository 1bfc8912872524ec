"""Rules about how a path is written, beyond whether the file exists (PC207 on)."""

from pipecheck import Finding, _, rule
from pipecheck.rulekit import home_expansion

from ._common import leaf_name
from .paths import PATHS_RESOLVE

CODES = ("PC207", "PC299")


def _home_fields(config):
    """(field, value) of every file path written with a leading ~, the checkpoint included."""
    return [(field, value) for field, value, _name in config.file_paths() if value.startswith("~")]


@rule("PC207", "no-tilde-in-paths", category="paths", fix="safe", checklist=PATHS_RESOLVE)
def no_tilde_in_paths(config, project):
    """No path starts with ~: TensorFlow does not expand it.

    Catalogue: U-01, F-02

    Why: the OD API opens every path with tf.io.gfile (builders/dataset_builder.py
    read_dataset globs input_path with tf.io.gfile.glob, label_map_util.load_labelmap
    reads with tf.io.gfile.GFile, the checkpoint restore opens <prefix>.index), and
    TensorFlow's file systems never expand ~ as a shell does: ~/data/train.record names a
    folder called ~ inside the launch folder, so training stops with "Did not find any
    input files" although `ls ~/data/train.record` shows the file. When the expanded path
    exists, it is the file meant, and its full path is what to write. (A ~ path that does
    not expand to a file is another machine's: PC206 finds it in the project, PC202 says it
    is missing.)

    Bad:
        home ../elsewhere
        file ../elsewhere/maps/label_map.pbtxt: item {\\n  id: 1\\n  name: 'one'\\n}\\nitem {\\n  id: 2\\n  name: 'two'\\n}
        train_input_reader.label_map_path: "~/maps/label_map.pbtxt"
    Bad (the checkpoint):
        home ../elsewhere
        mkdir ../elsewhere/zoo
        copy pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.index ../elsewhere/zoo/ckpt-0.index
        copy pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0.data-00000-of-00001 ../elsewhere/zoo/ckpt-0.data-00000-of-00001
        train_config.fine_tune_checkpoint: "~/zoo/ckpt-0"
    Good:
        home ../elsewhere
        file ../elsewhere/maps/label_map.pbtxt: item {\\n  id: 1\\n  name: 'one'\\n}\\nitem {\\n  id: 2\\n  name: 'two'\\n}
        train_input_reader.label_map_path: "faces_cubes/training/label_map.pbtxt"
        train_config.fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0"

    Fix: safe; writes the expanded path, which exists.
    """
    for field, value in _home_fields(config):
        expanded = home_expansion(value, prefix=leaf_name(field) == "fine_tune_checkpoint")
        if expanded is None:
            continue  # not found expanded either: PC206 finds it in the project, or PC202/PC302 say it is missing
        yield Finding(
            _(
                "{value}: TensorFlow does not expand ~ and looks for a folder named ~ in the launch folder; "
                "the file is {path}",
                value=value,
                path=expanded,
            ),
            field=field,
            hint=_('write {name}: "{path}"', name=leaf_name(field), path=expanded),
            replacement=f'"{expanded}"',
        )
