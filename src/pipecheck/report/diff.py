"""Compare the edited config with the zoo original, field by field (the course's table)."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from pipecheck.i18n import N_, _
from pipecheck.textproto.syntax import MessageValue, ScalarValue

# Short descriptions of the parameters people edit: by field name, or by (field name, role) where
# the role is "train", "eval" or "train_config" (train_config.max_number_of_boxes, which TF2 ignores).
DESCRIPTIONS = {
    "num_classes": N_("number of classes (items in the label map)"),
    "max_detections_per_class": N_("most detections kept per class"),
    "max_total_detections": N_("most detections kept per image"),
    ("batch_size", "train"): N_("images per step for training"),
    ("batch_size", "eval"): N_("images per step for evaluation"),
    "num_steps": N_("training steps"),
    "fine_tune_checkpoint": N_("checkpoint to start from (ckpt-0 prefix)"),
    "fine_tune_checkpoint_type": N_("what to restore from it (detection for a zoo model)"),
    "fine_tune_checkpoint_version": N_("checkpoint format (V2 for TF2)"),
    ("max_number_of_boxes", "train_config"): N_("boxes kept per image (ignored by TF2 here)"),
    ("max_number_of_boxes", "train"): N_("boxes kept per image for training"),
    ("max_number_of_boxes", "eval"): N_("boxes kept per image for evaluation"),
    "use_bfloat16": N_("bfloat16 arithmetic (TPU only)"),
    ("label_map_path", "train"): N_("label map for training"),
    ("label_map_path", "eval"): N_("label map for evaluation"),
    ("input_path", "train"): N_("TFRecord files for training"),
    ("input_path", "eval"): N_("TFRecord files for evaluation"),
    "learning_rate_base": N_("learning rate after warmup"),
    "warmup_learning_rate": N_("learning rate at step 0"),
    "total_steps": N_("length of the cosine decay"),
    "warmup_steps": N_("steps of linear warmup"),
    "sync_replicas": N_("synchronous multi-worker training (TF1)"),
    "replicas_to_aggregate": N_("workers per update (TF1)"),
    "startup_delay_steps": N_("worker start delay (TF1)"),
    "min_dimension": N_("shortest side after resizing"),
    "max_dimension": N_("longest side after resizing"),
    "height": N_("image height given to the network"),
    "width": N_("image width given to the network"),
    ("shuffle", "train"): N_("shuffle the training records"),
    ("shuffle", "eval"): N_("shuffle the evaluation records"),
    ("num_epochs", "train"): N_("passes over the training data"),
    ("num_epochs", "eval"): N_("passes over the evaluation data"),
    "metrics_set": N_("evaluation metrics"),
    "score_threshold": N_("lowest score kept"),
    "iou_threshold": N_("overlap above which boxes are merged"),
    "first_stage_max_proposals": N_("region proposals per image"),
    "second_stage_batch_size": N_("proposals per image in the second stage"),
}


_INDEX = re.compile(r"\[\d+\]")


class DiffRow:
    """A field written differently (or only) in one of the two files; its texts are made when read, so that
    the rows a table does not show (100,000 input_path entries) cost no text."""

    __slots__ = ("field", "original_line", "line", "_left", "_right")

    def __init__(self, field: str, left, right):
        self.field = field
        self.original_line = left.line if left is not None else None
        self.line = right.line if right is not None else None
        self._left, self._right = left, right  # the FieldLocations, None where the field is not written

    @property
    def original(self) -> str | None:
        return _text(self._left)

    @property
    def value(self) -> str | None:
        return _text(self._right)

    @property
    def parameter(self) -> str:
        last = self.field.rsplit(".", 1)[-1]
        return last.split("[", 1)[0]

    @property
    def role(self) -> str:
        if self.field.startswith("train_config."):
            return "train_config" if self.parameter == "max_number_of_boxes" else "train"
        return "train" if self.field.startswith("train_input_reader") else "eval"

    @property
    def description(self) -> str:
        text = DESCRIPTIONS.get((self.parameter, self.role)) or DESCRIPTIONS.get(self.parameter)
        return _(text) if text else ""

    def as_json(self) -> dict:
        return {
            "field": self.field,
            "original_line": self.original_line,
            "line": self.line,
            "original": self.original,
            "value": self.value,
        }


def diff_rows(config, original) -> list[DiffRow]:
    """Rows for every leaf written differently (or only) in one of the two files, in line order."""
    if original is None:
        return []
    mine, theirs = config.located.locations, _leaves(original.located)  # the config's own: 100,000 paths, not copied
    keyed = []  # (line, original line, field, ...): the fields differ, so the FieldLocations are never compared
    for path, right in mine.items():  # nearly in line order: a quick sort
        if _is_leaf(right):
            _add_row(keyed, path, theirs.get(path), right)
    for path, left in theirs.items():
        if not _is_leaf(mine.get(path)):
            _add_row(keyed, path, left, None)
    keyed.sort()
    return [DiffRow(path, left, right) for _line, _before, path, left, right in keyed]


def _add_row(keyed: list, path: str, left, right) -> None:
    if left is not None and right is not None and _comparable(left) == _comparable(right):
        return
    before = left.line if left is not None else 0
    keyed.append((right.line if right is not None else before, before, path, left, right))


def _leaves(located) -> dict:
    """{path: FieldLocation} of the scalars and the empty blocks."""
    return {path: location for path, location in located.locations.items() if _is_leaf(location)}


def _is_leaf(location) -> bool:
    """A scalar or an empty block (False for None: a field not written)."""
    value = location.value if location is not None else None
    return isinstance(value, ScalarValue) or (isinstance(value, MessageValue) and not value.fields)


def _comparable(location):
    return _as_stored(location.parsed) if isinstance(location.value, ScalarValue) else "{}"


def _text(location) -> str | None:
    if location is None:
        return None
    return _display(location.parsed, location.value) if isinstance(location.value, ScalarValue) else "{ }"


def _as_stored(parsed):
    """The value the message holds: the OD API's real-valued fields are float32, so 0.0004 == 0.00039999998."""
    if isinstance(parsed, float):
        try:
            return struct.unpack("<f", struct.pack("<f", parsed))[0]
        except OverflowError:  # beyond float32: the proto stores inf
            return parsed
    return parsed


def _display(parsed, value: ScalarValue) -> str:
    if isinstance(parsed, str) and value.tokens[0].text[:1] in "\"'":
        return '"' + parsed + '"'
    if isinstance(parsed, bool):
        return "true" if parsed else "false"
    return value.text


@dataclass
class MoreRows:
    """What stands in a table for the rest of a long run of one repeated field's rows."""

    parameter: str
    count: int
    field: str = ""  # the repeated field, its indexes as []: train_input_reader.tf_record_input_reader.input_path[]


def collapsed(rows: list[DiffRow], kept: int = 3) -> list[DiffRow | MoreRows]:
    """The rows a person reads: of a run of more than `kept` + 1 rows of one repeated field (100,000
    input_path entries), the first `kept` and one line counting the others (the JSON's diff_elided)."""
    shown: list[DiffRow | MoreRows] = []
    run: list[DiffRow] = []

    def close() -> None:
        if len(run) <= kept + 1:
            shown.extend(run)
        else:
            shown.extend([*run[:kept], MoreRows(run[0].parameter, len(run) - kept, _INDEX.sub("[]", run[0].field))])
        run.clear()

    key, keys = None, {}  # the field without its indexes, worked out once a field (not once an index)
    for row in rows:
        stem = row.field[: row.field.rfind("[") + 1] if row.field.endswith("]") else row.field
        mine = keys.get(stem)
        if mine is None:
            mine = keys[stem] = _INDEX.sub("[]", row.field)
        if run and mine != key:
            close()
        key = mine
        run.append(row)
    close()
    return shown
