"""A parsed pipeline.config with the accessors rules keep needing."""

from __future__ import annotations

import re
from pathlib import Path

from pipecheck.textproto import LocatedMessage, parse_located

_STEP = re.compile(r"([a-zA-Z_0-9]+)(?:\[(\d+)\])?")


class PipelineConfig:
    """The TrainEvalPipelineConfig message, where each field was written, and shortcuts.

    `message` is exactly what the OD API's config_util builds (text_format.Merge);
    `location(path)` gives the line:column of a dotted field path such as
    `model.faster_rcnn.num_classes` or `eval_input_reader[0].label_map_path`.
    """

    def __init__(self, located: LocatedMessage):
        self.located = located
        self.message = located.message
        self._file_paths: list[tuple[str, str, str]] | None = None

    @property
    def path(self) -> Path:
        return self.located.path

    @property
    def notes(self):
        return self.located.notes

    @property
    def arch(self) -> str | None:
        """The meta-architecture: faster_rcnn, ssd, center_net, ... (None if model {} is empty)."""
        return self.message.model.WhichOneof("model")

    @property
    def arch_path(self) -> str:
        return f"model.{self.arch}"

    @property
    def model(self):
        return getattr(self.message.model, self.arch) if self.arch else None

    @property
    def train(self):
        """train_config as the OD API reads it: its defaults when the block is absent (see train_config)."""
        return self.message.train_config

    # The fields rules keep re-deriving, each None when the block that holds it is absent, so a
    # rule cannot forget the guard: `if config.num_classes is None: cannot_decide(...)`.

    def has(self, block: str) -> bool:
        """Whether a top-level block (model, train_config, eval_input_reader, ...) is written at all."""
        value = getattr(self.message, block)
        return self.message.HasField(block) if hasattr(value, "ListFields") else len(value) > 0

    @property
    def num_classes_field(self) -> str | None:
        """`model.<arch>.num_classes`; None without a model block or for an architecture without one."""
        model = self.model
        if model is None or "num_classes" not in model.DESCRIPTOR.fields_by_name:
            return None
        return f"{self.arch_path}.num_classes"

    @property
    def num_classes(self) -> int | None:
        return self.model.num_classes if self.num_classes_field else None

    @property
    def train_config(self):
        """The train_config message, or None when the config has no train_config block."""
        return self.message.train_config if self.has("train_config") else None

    @property
    def batch_size(self) -> int | None:
        """train_config.batch_size (its default, 32, when unwritten); None without train_config."""
        return self.message.train_config.batch_size if self.has("train_config") else None

    @property
    def num_steps(self) -> int | None:
        """train_config.num_steps (0, train forever, when unwritten); None without train_config."""
        return self.message.train_config.num_steps if self.has("train_config") else None

    @property
    def train_reader(self):
        """The train_input_reader message, or None when the config has none."""
        return self.message.train_input_reader if self.has("train_input_reader") else None

    @property
    def eval_config(self):
        """The eval_config message, or None when the config has none."""
        return self.message.eval_config if self.has("eval_config") else None

    @property
    def train_input(self):
        return self.message.train_input_reader

    @property
    def eval_inputs(self) -> list:
        return list(self.message.eval_input_reader)

    def input_readers(self) -> list[tuple[str, object]]:
        """(field path, InputReader) for the train reader and every eval reader."""
        readers = [("train_input_reader", self.message.train_input_reader)]
        readers += [(f"eval_input_reader[{i}]", r) for i, r in enumerate(self.message.eval_input_reader)]
        return readers

    def file_paths(self) -> list[tuple[str, str, str]]:
        """(field path, value, field name) of every file the config names (the fields named *_path and
        fine_tune_checkpoint), in file order; found once for the rules and fixtures that each read them all."""
        if self._file_paths is None:
            self._file_paths = []
            for path, location in self.located.scalars():
                if isinstance(location.parsed, str):
                    name = location.node.name  # as written: the field's own name, but for [an.extension]
                    if name.startswith("["):
                        name = path.rsplit(".", 1)[-1].split("[", 1)[0]
                    if name.endswith("_path") or name == "fine_tune_checkpoint":
                        self._file_paths.append((path, location.parsed, name))
        return self._file_paths

    def written(self, path: str) -> bool:
        return self.located.written(path)

    def location(self, path: str) -> tuple[int, int]:
        return self.located.location(path)

    def value(self, path: str):
        """The value at a dotted path, defaults included; None when a repeated index is missing."""
        node = self.message
        for name, index in _STEP.findall(path):
            node = getattr(node, name)
            if index:
                index = int(index)
                if index >= len(node):
                    return None
                node = node[index]
        return node

    def learning_rate(self, kind: str | None = None) -> tuple[str, str, object] | None:
        """(field path, schedule name, schedule message) of the optimizer's learning rate; None without
        one, or when `kind` (e.g. "cosine_decay_learning_rate") names another schedule."""
        optimizer = self.train.optimizer
        name = optimizer.WhichOneof("optimizer")
        if name is None:
            return None
        rate = getattr(optimizer, name).learning_rate
        schedule = rate.WhichOneof("learning_rate")
        if schedule is None or (kind is not None and schedule != kind):
            return None
        return f"train_config.optimizer.{name}.learning_rate.{schedule}", schedule, getattr(rate, schedule)

    def feature_extractor_type(self) -> str:
        model = self.model
        if model is None or not model.HasField("feature_extractor"):
            return ""
        return model.feature_extractor.type

    def image_size(self) -> tuple[int, int] | None:
        """(height, width) the resizer gives the network; None for resizers with no fixed size."""
        model = self.model
        if model is None or not model.HasField("image_resizer"):
            return None
        resizer = model.image_resizer
        kind = resizer.WhichOneof("image_resizer_oneof")
        if kind == "fixed_shape_resizer":
            return resizer.fixed_shape_resizer.height, resizer.fixed_shape_resizer.width
        if kind == "keep_aspect_ratio_resizer":
            keep = resizer.keep_aspect_ratio_resizer
            return keep.max_dimension, keep.max_dimension
        return None


def load_pipeline_config(
    path: Path, pipeline_class: type, text: str | None = None, recover: bool = False
) -> PipelineConfig:
    """Parse a pipeline.config; raises OSError or TextProtoSyntaxError (with line:column).

    With `recover`, syntax errors are collected in `located.errors` and the rest is parsed.
    """
    if text is None:
        from pipecheck.guarded import read_text

        text = read_text(Path(path))
    return PipelineConfig(parse_located(Path(path), text, pipeline_class, recover=recover))
