"""Compare the edited config with the zoo original, field by field (the course's table)."""

from __future__ import annotations

from dataclasses import dataclass

from pipecheck.textproto.syntax import MessageValue, ScalarValue

# Short descriptions of the parameters people edit, keyed by field name; a reader-specific
# variant ("train"/"eval") is chosen from the path.
DESCRIPTIONS = {
    "num_classes": "number of classes (items in the label map)",
    "max_detections_per_class": "most detections kept per class",
    "max_total_detections": "most detections kept per image",
    "batch_size": "images per step",
    "num_steps": "training steps",
    "fine_tune_checkpoint": "checkpoint to start from (ckpt-0 prefix)",
    "fine_tune_checkpoint_type": "what to restore from it (detection for a zoo model)",
    "fine_tune_checkpoint_version": "checkpoint format (V2 for TF2)",
    "max_number_of_boxes": "boxes kept per image",
    "use_bfloat16": "bfloat16 arithmetic (TPU only)",
    "label_map_path": "label map",
    "input_path": "TFRecord files",
    "learning_rate_base": "learning rate after warmup",
    "warmup_learning_rate": "learning rate at step 0",
    "total_steps": "length of the cosine decay",
    "warmup_steps": "steps of linear warmup",
    "sync_replicas": "synchronous multi-worker training (TF1)",
    "replicas_to_aggregate": "workers per update (TF1)",
    "startup_delay_steps": "worker start delay (TF1)",
    "min_dimension": "shortest side after resizing",
    "max_dimension": "longest side after resizing",
    "height": "image height given to the network",
    "width": "image width given to the network",
    "shuffle": "shuffle the records",
    "num_epochs": "passes over the data",
    "metrics_set": "evaluation metrics",
    "score_threshold": "lowest score kept",
    "iou_threshold": "overlap above which boxes are merged",
    "first_stage_max_proposals": "region proposals per image",
    "second_stage_batch_size": "proposals per image in the second stage",
}


_PER_READER = ("label_map_path", "input_path", "batch_size", "max_number_of_boxes", "shuffle", "num_epochs")


@dataclass
class DiffRow:
    field: str
    original_line: int | None
    line: int | None
    original: str | None
    value: str | None

    @property
    def parameter(self) -> str:
        last = self.field.rsplit(".", 1)[-1]
        return last.split("[", 1)[0]

    @property
    def description(self) -> str:
        text = DESCRIPTIONS.get(self.parameter, "")
        if not text:
            return text
        if self.field == "train_config.max_number_of_boxes":
            return text + " (ignored by TF2 here)"
        if self.parameter in _PER_READER:
            if self.field.startswith(("train_input_reader", "train_config")):
                return text + " for training"
            if self.field.startswith(("eval_input_reader", "eval_config")):
                return text + " for evaluation"
        return text

    def as_json(self) -> dict:
        return {"field": self.field, "original_line": self.original_line, "line": self.line,
                "original": self.original, "value": self.value}


def diff_rows(config, original) -> list[DiffRow]:
    """Rows for every leaf written differently (or only) in one of the two files."""
    if original is None:
        return []
    mine, theirs = _leaves(config.located), _leaves(original.located)
    rows = []
    for path in mine.keys() | theirs.keys():
        left, right = theirs.get(path), mine.get(path)
        if left is not None and right is not None and left[1] == right[1]:
            continue
        rows.append(DiffRow(path, left[0] if left else None, right[0] if right else None,
                            left[2] if left else None, right[2] if right else None))
    rows.sort(key=lambda row: (row.line if row.line is not None else row.original_line or 0,
                               row.original_line or 0, row.field))
    return rows


def _leaves(located) -> dict[str, tuple[int, object, str]]:
    """{path: (line, comparable value, display text)} for scalars and empty blocks."""
    leaves = {}
    for path, location in located.locations.items():
        value = location.value
        if isinstance(value, ScalarValue):
            leaves[path] = (location.line, location.parsed, _display(location.parsed, value))
        elif isinstance(value, MessageValue) and not value.fields:
            leaves[path] = (location.line, "{}", "{ }")
    return leaves


def _display(parsed, value: ScalarValue) -> str:
    if isinstance(parsed, str) and value.tokens[0].text[:1] in "\"'":
        return '"' + parsed + '"'
    if isinstance(parsed, bool):
        return "true" if parsed else "false"
    return value.text
