import json

import pytest


@pytest.fixture(scope="session")
def ssd_archive(tmp_path_factory):
    """The tiny SSD's zoo archive (a real detection checkpoint, built by TensorFlow in a subprocess), built once for
    every course project of the session: init only reads it."""
    from support.ssd_course import zoo_archive

    return zoo_archive(tmp_path_factory.mktemp("ssd-zoo"))


@pytest.fixture(scope="module")
def course_project(tmp_path_factory, ssd_archive):
    """A course project after `pipecheck init` and `pipecheck fix`, with steps and batch chosen (TRAINED): one per
    course file, so that the files (training, Ctrl-C, probe) can run side by side on both cores."""
    from support.cli import pipecheck
    from support.ssd_course import FOLDER, TRAINED, build_ssd_course

    root, fixed = build_ssd_course(tmp_path_factory.mktemp("course"), ssd_archive)
    from make_example import apply_edits  # build_ssd_course put the example's folder on sys.path

    config = root / FOLDER / "pipeline.config"
    config.write_text(apply_edits(config.read_text(), TRAINED))
    assert (
        "num_classes: 90 → 2" in fixed.stdout
        and 'fine_tune_checkpoint_type: "classification" → "detection"' in fixed.stdout
    ), fixed.stdout
    lint = pipecheck("check", FOLDER, "--format", "json", cwd=root)
    assert json.loads(lint.stdout)["summary"]["errors"] == 0, lint.stdout
    return root
