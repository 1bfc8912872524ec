"""PC723's anchor shapes are the ones the OD API's generators make, for every anchored zoo config (slow tier)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("object_detection.builders", reason="the OD API and its dependencies (the [train] extra)")

from support.projects import REPO  # noqa: E402

from pipecheck.artifacts.pipeline_config import PipelineConfig  # noqa: E402
from pipecheck.odapi.anchors import anchor_shapes  # noqa: E402
from pipecheck.schema import load_schema  # noqa: E402
from pipecheck.textproto import parse_located  # noqa: E402

# The OD API's generators are arithmetic on the config (the same OD API on every stack): one TensorFlow suffices.
pytestmark = [pytest.mark.slow, pytest.mark.one_stack]
ZOO = sorted(p for p in (REPO / "tests" / "data" / "zoo").glob("*.config") if not p.name.startswith("centernet"))


SIZES = [(640, 640), (640, 480)]


@pytest.fixture(scope="module")
def od_api_shapes():
    """The OD API's anchor shapes for every config and size, from one process (TensorFlow imported once)."""
    cases = [(config, width, height) for width, height in SIZES for config in ZOO]
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("odapi_anchor_shapes.py"))]
        + [str(part) for case in cases for part in case],
        capture_output=True,
        text=True,
        env={**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(printed) == len(cases), result.stdout[-3000:]
    return {case: json.loads(line) for case, line in zip(cases, printed)}


@pytest.mark.parametrize("config", ZOO, ids=lambda path: path.stem)
@pytest.mark.parametrize("width, height", SIZES)
def test_anchor_shapes_are_the_od_apis(od_api_shapes, config, width, height):
    theirs = od_api_shapes[config, width, height]
    located = parse_located(config, config.read_text(), load_schema(REPO).pipeline_class)
    ours = anchor_shapes(PipelineConfig(located), width, height)

    def near(shape, shapes):
        return any(abs(shape[0] - w) < 0.05 and abs(shape[1] - h) < 0.05 for w, h in shapes)

    assert all(near(shape, ours) for shape in theirs), (theirs, ours)
    assert all(near(shape, theirs) for shape in ours), (theirs, ours)
