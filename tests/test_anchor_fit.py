"""PC723: the share of training boxes an anchor shape can learn after the resizer (YOLOv5's best possible recall)."""

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG, REPO, SSD_CONFIG, add_ssd_network

from pipecheck.artifacts.pipeline_config import PipelineConfig
from pipecheck.odapi.anchors import anchor_shapes, best_iou, matching
from pipecheck.schema import load_schema
from pipecheck.testing import edit_config
from pipecheck.testing.artifact_edits import apply_artifact_step
from pipecheck.textproto import parse_located

TRAIN = "faces_cubes/training/train.record"
TINY = " ".join(
    f"image/object/bbox/{k}=*{v}" for k, v in (("xmin", 0.5), ("xmax", 0.505), ("ymin", 0.5), ("ymax", 0.505))
)
MATCHER = "model.ssd.matcher.argmax_matcher"


def _mine(document):
    return [f for f in document["findings"] if f["rule"] == "PC723"]


def _zoo(name: str) -> PipelineConfig:
    path = REPO / "tests" / "data" / "zoo" / f"{name}.config"
    return PipelineConfig(parse_located(path, path.read_text(), load_schema(REPO).pipeline_class))


def test_tiny_objects_under_the_faster_rcnn_anchors_are_a_figure_shown_with_v(clean_project):
    apply_artifact_step(clean_project, f"record {TRAIN} * {TINY}")
    _code, document = lint_json()
    [found] = _mine(document)
    assert (found["severity"], found["tier"]) == ("info", "detail")
    assert found["field"] == "model.faster_rcnn.first_stage_anchor_generator"
    assert "35 of 35 training boxes" in found["message"] and "best possible recall 0.00" in found["message"]
    assert "IoU 0.3" in found["message"]  # the first stage's unmatched threshold: the box is forced onto one anchor
    _code, quiet = run_cli("check", CONFIG)
    _code, verbose = run_cli("check", CONFIG, "-v")
    assert "PC723" not in quiet and "PC723" in verbose


def test_without_force_match_the_unlearned_boxes_are_a_warning(clean_project):
    config = add_ssd_network(clean_project)
    config.write_text(edit_config(config.read_text(), [(f"{MATCHER}.force_match_for_each_row", "false")]))
    apply_artifact_step(clean_project, f"record {TRAIN} * {TINY}")
    _code, document = lint_json(target=SSD_CONFIG)
    [found] = _mine(document)
    assert (found["severity"], found["tier"]) == ("warning", "default")
    assert found["field"] == "model.ssd.anchor_generator" and "no anchor learns them" in found["message"]


def test_one_sliver_in_35_boxes_is_under_yolov5s_line(clean_project):
    """YOLOv5 re-fits its anchors under a best possible recall of 0.98; 34 of 35 is 0.97."""
    apply_artifact_step(
        clean_project, f"record {TRAIN} 0 image/object/bbox/xmin[0]=0.099 image/object/bbox/xmax[0]=0.1"
    )
    _code, document = lint_json()
    [found] = _mine(document)
    assert "1 of 35 training box" in found["message"] and "best possible recall 0.97" in found["message"]


@pytest.mark.parametrize("target", [CONFIG, SSD_CONFIG])
def test_a_well_fitted_project_gets_nothing(clean_project, target):
    add_ssd_network(clean_project)
    _code, document = lint_json(target=target)
    assert not _mine(document)
    assert "PC723" not in str(document.get("undecided"))


def test_the_ssd_generator_gives_the_od_apis_anchors():
    """create_ssd_anchors: 3 shapes on the lowest layer, 5 ratios + 1 interpolated on the 5 others (33);
    the smallest is 0.1 of the shorter side (tests/slow/test_anchor_shapes.py compares every shape with TF)."""
    config = _zoo("ssd_mobilenet_v2_320x320_coco17_tpu-8")
    shapes = anchor_shapes(config, 320, 320)
    assert len(shapes) == 33
    assert min(shapes, key=lambda s: s[0] * s[1]) == pytest.approx((32.0, 32.0))
    assert min(anchor_shapes(config, 640, 320), key=lambda s: s[0] * s[1]) == pytest.approx((32.0, 32.0))


def test_centernet_has_no_anchors_and_the_rule_says_nothing():
    assert matching(_zoo("centernet_resnet101_v1_fpn_512x512_coco17_tpu-8")) is None
    assert matching(_zoo("faster_rcnn_resnet50_v1_640x640_coco17_tpu-8")).threshold == 0.3


def test_best_iou_is_of_centred_shapes():
    assert best_iou((10, 10), [(10, 10)]) == 1
    assert best_iou((10, 10), [(20, 20), (5, 5)]) == pytest.approx(0.25)
    assert best_iou((2, 2), [(32, 32)]) == pytest.approx(4 / 1024)


def test_a_big_dataset_is_measured_on_an_even_sample(monkeypatch):
    """Every n-th box of each file, at most SAMPLE in all: the figure stays a share of the boxes measured."""
    from types import SimpleNamespace

    import pipecheck.odapi.anchors as anchors

    monkeypatch.setattr(anchors, "SAMPLE", 10)
    config = _zoo("ssd_mobilenet_v2_320x320_coco17_tpu-8")
    tiny, fitting = [0.001, 0.001], [0.3, 0.3]
    files = [SimpleNamespace(image_sizes=[[320, 320]], box_sizes=[tiny] * 10 + [fitting] * 10) for _ in range(2)]
    fit = anchors.anchor_fit(config, files, 0.5)
    assert (fit.boxes, fit.unfit) == (10, 6)  # boxes 0, 4, 8 (tiny), 12, 16 of each file
