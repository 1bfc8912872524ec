"""The launcher's stand-ins for what TensorFlow >= 2.16 dropped, against a TensorFlow-shaped package (no TF needed).

The real thing runs in the slow tier on TensorFlow 2.21 (tests/slow/test_course_end_to_end.py).
"""

import os
import subprocess
import sys

from support.projects import NET, REPO

from pipecheck.wrappers.compat import needs_estimator_stand_in, needs_legacy_keras, version_tuple

PROBE = """
import sys
from pipecheck.wrappers import compat
compat.apply_stand_ins(lambda message: print("announced:", message))
from tensorflow.compat.v1 import estimator   # object_detection/inputs.py:24
import tensorflow_io as tfio                  # deepmac_meta_arch.py:28
print("estimator is", type(estimator).__name__)
for module, use in ((estimator, "ModeKeys"), (tfio, "experimental")):
    try:
        getattr(module, use)
    except (ImportError, AttributeError) as error:
        print("refused:", type(error).__name__, error)
"""


def fake_tensorflow(folder, estimator: bool):
    """tensorflow.compat.v1 as TF 2.21 lays it out: its real name is tensorflow._api.v2.compat.v1."""
    v1 = folder / "tensorflow" / "_api" / "v2" / "compat" / "v1"
    v1.mkdir(parents=True)
    for package in (folder / "tensorflow", v1.parent.parent.parent, v1.parent.parent, v1.parent):
        (package / "__init__.py").touch()
    (v1 / "__init__.py").write_text("estimator = 'the real one'\n" if estimator else "")
    compat = folder / "tensorflow" / "compat"
    compat.mkdir()
    (compat / "__init__.py").write_text(
        "import sys\nfrom tensorflow._api.v2.compat import v1\nsys.modules['tensorflow.compat.v1'] = v1\n"
    )
    return folder


def probe(tmp_path, estimator):
    path = os.pathsep.join([str(fake_tensorflow(tmp_path, estimator)), str(REPO / "src")])
    return subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path}
    )


def test_without_estimator_and_tensorflow_io_the_imports_work_and_every_use_says_why(tmp_path):
    done = probe(tmp_path, estimator=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("announced:") == 2 and "inputs.py:24" in done.stdout
    assert (
        "refused: ImportError tensorflow.compat.v1.estimator.ModeKeys is not available: TensorFlow 2.16 removed"
        in done.stdout
    )
    assert (
        "refused: ImportError tensorflow_io.experimental is not available: tensorflow-io is not installed"
        in done.stdout
    )


def test_an_estimator_that_imports_is_left_alone(tmp_path):
    done = probe(tmp_path, estimator=True)
    assert done.returncode == 0, done.stderr
    assert "estimator is str" in done.stdout  # the package's own
    assert "tf.compat.v1.estimator" not in done.stdout and done.stdout.count("announced:") == 1


def test_the_decisions_read_the_installed_versions():
    assert needs_estimator_stand_in((2, 21, 0), None) and needs_estimator_stand_in((2, 21, 0), (2, 15, 0))
    assert not needs_estimator_stand_in((2, 15, 1), (2, 15, 0)) and not needs_estimator_stand_in(None, None)
    assert needs_legacy_keras((2, 16, 2), True) and not needs_legacy_keras((2, 16, 2), False)
    assert not needs_legacy_keras((2, 15, 1), True)
    assert version_tuple("2.21.0rc1") == (2, 21, 0)


def test_the_dry_run_says_why_the_stock_script_fails_and_what_runs_instead(clean_project):
    import importlib.util

    done = subprocess.run(
        [sys.executable, "-m", "pipecheck", "train", f"faces_cubes/training/{NET}", "--dry-run", "--ram", "16GiB"],
        cwd=clean_project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    if importlib.util.find_spec("tensorflow") is None:  # the fast tier: the OD API's old protos under protobuf >= 4
        assert "# model_main_tf2.py cannot run on this installation" in done.stdout
        assert "Descriptors cannot be created directly" in done.stdout
    if "cannot run on this installation" in done.stdout:
        assert f"# the equivalent that runs here: pipecheck train faces_cubes/training/{NET} --ram 16GiB" in done.stdout
