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

pytestmark = pytest.mark.slow
ZOO = sorted(p for p in (REPO / "tests" / "data" / "zoo").glob("*.config") if not p.name.startswith("centernet"))


@pytest.mark.parametrize("config", ZOO, ids=lambda path: path.stem)
@pytest.mark.parametrize("width, height", [(640, 640), (640, 480)])
def test_anchor_shapes_are_the_od_apis(config, width, height):
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("odapi_anchor_shapes.py")), str(config), str(width), str(height)],
        capture_output=True,
        text=True,
        env={**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    located = parse_located(config, config.read_text(), load_schema(REPO).pipeline_class)
    ours = anchor_shapes(PipelineConfig(located), width, height)

    def near(shape, shapes):
        return any(abs(shape[0] - w) < 0.05 and abs(shape[1] - h) < 0.05 for w, h in shapes)

    assert all(near(shape, ours) for shape in theirs), (theirs, ours)
    assert all(near(shape, theirs) for shape in ours), (theirs, ours)
