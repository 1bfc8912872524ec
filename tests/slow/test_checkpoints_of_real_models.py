"""What pipecheck reads from checkpoints of real OD API models, built from zoo configs (slow tier)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.projects import EXAMPLE, NET, REPO  # noqa: E402

from pipecheck.artifacts.checkpoint import backbone_family, read_checkpoint  # noqa: E402

pytestmark = pytest.mark.slow
ZOO = REPO / "tests" / "data" / "zoo"
CASES = [
    (ZOO / "ssd_mobilenet_v2_320x320_coco17_tpu-8.config", "ssd", "mobilenet"),
    (ZOO / "ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8.config", "ssd", "mobilenet"),
    (ZOO / "ssd_efficientdet_d0_512x512_coco17_tpu-8.config", "ssd", "efficientnet"),
    (EXAMPLE / "tod_tf2" / "pre-trained" / NET / "pipeline.config", "faster_rcnn", "resnet"),
    (ZOO / "centernet_resnet101_v1_fpn_512x512_coco17_tpu-8.config", "center_net", "resnet"),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each config's model, built and saved by the OD API in one process (TensorFlow imported once): prefix by config."""
    work = tmp_path_factory.mktemp("models")
    folders = {config: work / str(index) for index, (config, _arch, _family) in enumerate(CASES)}
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("build_detection_model.py")), "--each"]
        + [str(part) for config, folder in folders.items() for part in (config, folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    prefixes = [line for line in result.stdout.splitlines() if line.startswith(str(work))]
    assert [Path(p).parent for p in prefixes] == list(folders.values()), result.stdout[-3000:]
    return dict(zip(folders, prefixes))


@pytest.mark.parametrize(
    "config, arch, family", CASES, ids=lambda value: value.name if isinstance(value, Path) else value
)
def test_a_saved_detection_model_is_recognised(saved, config, arch, family):
    facts = read_checkpoint(Path(saved[config]))
    assert facts.problems == [] and facts.object_based
    assert (facts.kind, facts.meta_architecture, backbone_family(facts)) == ("detection", arch, family)
    # PC312: the object graph holds what detection fine-tuning restores (restore_from_objects), and save_counter
    restores = (
        ["model/_feature_extractor_for_proposal_features", "model/_feature_extractor_for_box_classifier_features"]
        if arch == "faster_rcnn"
        else ["model/_feature_extractor"]
    )
    assert facts.graph_nodes > 100 and facts.graph_variables["save_counter"] == 1
    assert all(facts.graph_variables[name] > 0 for name in restores), facts.graph_variables
