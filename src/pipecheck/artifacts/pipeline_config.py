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
        return self.message.train_config

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

    def learning_rate(self) -> tuple[str, str, object] | None:
        """(field path, schedule name, schedule message) of the optimizer's learning rate."""
        optimizer = self.train.optimizer
        kind = optimizer.WhichOneof("optimizer")
        if kind is None:
            return None
        rate = getattr(optimizer, kind).learning_rate
        schedule = rate.WhichOneof("learning_rate")
        if schedule is None:
            return None
        return f"train_config.optimizer.{kind}.learning_rate.{schedule}", schedule, getattr(rate, schedule)

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


def load_pipeline_config(path: Path, pipeline_class: type, text: str | None = None) -> PipelineConfig:
    """Parse a pipeline.config; raises OSError or TextProtoSyntaxError (with line:column)."""
    if text is None:
        from pipecheck.guarded import read_text

        text = read_text(Path(path))
    return PipelineConfig(parse_located(Path(path), text, pipeline_class))
