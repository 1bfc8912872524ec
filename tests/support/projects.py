"""Projects for tests: the course example, made fresh, and a clean variant with no findings at all."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from pipecheck.testing.writers import write_checkpoint_standin

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "faces_cubes"
NET = "faster_rcnn_resnet50_v1_640x640_coco17_tpu-8"
CONFIG = f"faces_cubes/training/{NET}/pipeline.config"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "tf2-zoo-configs"

_LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
# What a careful user changes beyond the course's 13 values, so that no rule has anything to say.
CLEAN_EDITS = [
    (f"{_LR}.learning_rate_base", "0.005"),
    (f"{_LR}.total_steps", "1000"),
    (f"{_LR}.warmup_learning_rate", "0.001"),
    (f"{_LR}.warmup_steps", "100"),
    ("train_config.sync_replicas", None),
    ("train_config.startup_delay_steps", None),
    ("train_config.replicas_to_aggregate", None),
    ("train_config.max_number_of_boxes", "100"),
    ("train_input_reader.max_number_of_boxes", "4"),
    ("eval_input_reader[0].max_number_of_boxes", "4"),
]


SSD_NET = "ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8"
SSD_CONFIG = f"faces_cubes/training/{SSD_NET}/pipeline.config"
_SSD_LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
SSD_EDITS = [
    ("model.ssd.num_classes", "2"),
    ("model.ssd.post_processing.batch_non_max_suppression.max_detections_per_class", "4"),
    ("model.ssd.post_processing.batch_non_max_suppression.max_total_detections", "4"),
    ("train_config.fine_tune_checkpoint", f'"pre-trained/{SSD_NET}/checkpoint/ckpt-0"'),
    ("train_config.fine_tune_checkpoint_type", '"detection"'),
    ("train_config.batch_size", "2"),
    ("train_config.num_steps", "1000"),
    ("train_config.sync_replicas", None),
    ("train_config.startup_delay_steps", None),
    ("train_config.replicas_to_aggregate", None),
    (f"{_SSD_LR}.learning_rate_base", "0.002"),
    (f"{_SSD_LR}.total_steps", "1000"),
    (f"{_SSD_LR}.warmup_learning_rate", "0.0005"),
    (f"{_SSD_LR}.warmup_steps", "100"),
    ("train_input_reader.label_map_path", '"faces_cubes/training/label_map.pbtxt"'),
    ("train_input_reader.tf_record_input_reader.input_path[0]", '"faces_cubes/training/train.record"'),
    ("train_input_reader.max_number_of_boxes", "4"),
    ("eval_input_reader[0].label_map_path", '"faces_cubes/training/label_map.pbtxt"'),
    ("eval_input_reader[0].tf_record_input_reader.input_path[0]", '"faces_cubes/training/test.record"'),
    ("eval_input_reader[0].max_number_of_boxes", "4"),
]


def add_ssd_network(root: Path) -> Path:
    """Add the SSD MobileNet V2 FPNLite 320 zoo network and a clean config for it to a course project."""
    module = example_module()
    pretrained = root / "pre-trained" / SSD_NET
    pretrained.mkdir(parents=True, exist_ok=True)
    zoo = REPO / "tests" / "data" / "zoo" / f"{SSD_NET}.config"
    shutil.copyfile(zoo, pretrained / "pipeline.config")
    write_checkpoint_standin(pretrained / "checkpoint", "ssd", object_graph=True)
    config = root / SSD_CONFIG
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(module.apply_edits(zoo.read_text(), SSD_EDITS))
    return config


def example_module():
    spec = importlib.util.spec_from_file_location("make_example", EXAMPLE / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_example(destination: Path) -> Path:
    """The committed course example (tod_tf2 tree) copied to `destination`; returns the root."""
    shutil.copytree(EXAMPLE / "tod_tf2", destination)
    return destination


def link_checkpoint_graph(root: Path) -> Path:
    """Give the network's stand-in checkpoint an object graph that links its tensors, as tf.train.Checkpoint writes
    them. The committed stand-in's graph is empty, which PC312 reports as an error (the OD API cannot restore it);
    tests about everything else start from this one: restorable by name, still far too small to train."""
    for checkpoint in root.rglob(f"{NET}/checkpoint"):
        for old in checkpoint.glob("ckpt-0.*"):
            old.unlink()
        write_checkpoint_standin(checkpoint, object_graph=True)
    return root


def make_clean(root: Path) -> Path:
    config = root / CONFIG
    config.write_text(example_module().apply_edits(config.read_text(), CLEAN_EDITS))
    return link_checkpoint_graph(root)


def replace_once(path: Path, old: str, new: str) -> None:
    """Edit a file for a test, failing loudly if `old` is not there exactly once (a test must not pass vacuously)."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new))
