"""Issue 19: failure modes the Bad/Good examples cannot build (another zoo network, a moved zoo folder, the table)."""

import shutil
import subprocess
import sys

import pytest
from support.cli import lint_json
from support.projects import CONFIG, CORPUS, NET, REPO

from pipecheck.testing import edit_config

RATE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base"


def _edit(root, *edits):
    path = root / CONFIG
    path.write_text(edit_config(path.read_text(), list(edits)))


def _mine(document, code):
    return [f for f in document["findings"] if f["rule"] == code]


def test_the_zoo_table_is_what_the_zoo_configs_give():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/tf2-zoo-configs is not here")
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "zoo_networks.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_original_is_found_in_a_moved_zoo_folder_named_by_a_checkpoint_for_another_machine(clean_project):
    """A published repo keeps zoo/<net>/pipeline.config but not the checkpoint, written for Colab."""
    zoo = clean_project / "zoo" / NET
    zoo.mkdir(parents=True)
    shutil.copyfile(clean_project / "pre-trained" / NET / "pipeline.config", zoo / "pipeline.config")
    shutil.rmtree(clean_project / "pre-trained")
    _edit(
        clean_project, ("train_config.fine_tune_checkpoint", f'"/content/models/pre-trained/{NET}/checkpoint/ckpt-0"')
    )
    _edit(clean_project, (RATE, "0.04"))
    _code, document = lint_json()
    assert _mine(document, "PC509"), document["undecided"]
    assert not _mine(document, "PC526")  # the original decides: the table is not consulted


def test_the_zoo_table_decides_when_no_original_is_anywhere(clean_project):
    shutil.rmtree(clean_project / "pre-trained")
    _edit(
        clean_project, ("train_config.fine_tune_checkpoint", f'"/content/models/pre-trained/{NET}/checkpoint/ckpt-0"')
    )
    _edit(clean_project, (RATE, "0.04"))
    _code, document = lint_json()
    found = _mine(document, "PC526")
    assert found and NET in found[0]["message"] and "at batch 64" in found[0]["message"], document["findings"]
    assert "learning_rate_base: 0.000625" in found[0]["hint"]


def test_ssd_anchor_layers_fit_the_mobilenet_v2_maps(clean_project):
    """ssd_mobilenet_v2_keras gives 6 feature maps (its feature_map_layout); 5 anchor layers fail the build."""
    network = "ssd_mobilenet_v2_320x320_coco17_tpu-8"
    config = clean_project / "faces_cubes" / "training" / network / "pipeline.config"
    config.parent.mkdir(parents=True)
    config.write_text((REPO / "tests" / "data" / "zoo" / f"{network}.config").read_text())
    layers = "model.ssd.anchor_generator.ssd_anchor_generator.num_layers"
    config.write_text(edit_config(config.read_text(), [(layers, "5")]))
    _code, document = lint_json(target=str(config.relative_to(clean_project)))
    assert [f["field"] for f in _mine(document, "PC617")] == [layers]
    config.write_text(edit_config(config.read_text(), [(layers, "6")]))
    _code, document = lint_json(target=str(config.relative_to(clean_project)))
    assert not _mine(document, "PC617")


def test_the_project_walk_does_not_open_a_fifo_named_like_a_label_map(tmp_path):
    """Opening a FIFO blocks until a writer comes: the walk (for paths written elsewhere) must skip it."""
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "label_map.pbtxt")
    code = "import sys; from pathlib import Path; from pipecheck.project.files import scan; print(scan(Path(sys.argv[1])).label_maps)"
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_a_gbk_comment_in_the_label_map_is_found_with_its_line_and_code_page(clean_project):
    """tensorflow/models#4926: '# id从1开始编号' saved in a Chinese code page; GFile.read() decodes comments too."""
    label_map = clean_project / "faces_cubes" / "training" / "label_map.pbtxt"
    label_map.write_bytes("# id从1开始编号\n".encode("gbk") + label_map.read_bytes())
    _code, document = lint_json()
    found = [f for f in _mine(document, "PC106") if f["file"].endswith("label_map.pbtxt")]
    assert found and found[0]["line"] == 1 and found[0]["column"] == 5, document["findings"]
    assert "in a comment" in found[0]["message"] and "GBK" in found[0]["hint"]


def test_a_windows_1252_apostrophe_in_a_config_comment_is_named(clean_project):
    config = clean_project / CONFIG
    config.write_bytes(b"# the author\x92s config\n" + config.read_bytes())
    _code, document = lint_json()
    found = [f for f in document["findings"] if f["rule"] == "PC001"]
    assert found and found[0]["line"] == 1 and found[0]["column"] == 13, document["findings"]
    assert "in a comment" in found[0]["message"] and "Windows-1252" in found[0]["hint"]


def test_an_empty_eval_input_path_is_one_finding_naming_it(clean_project):
    """tf1-data-model: input_path: "" is no record file (gfile.glob matches nothing on an empty pattern), not the
    launch folder read as a record (PC701) nor a training set of 0 records (PC716)."""
    _edit(clean_project, ("eval_input_reader[0].tf_record_input_reader.input_path[0]", '""'))
    _code, document = lint_json()
    rules = [f["rule"] for f in document["findings"] if "eval_input_reader" in (f.get("field") or "")]
    assert rules == ["PC203"], document["findings"]
    assert not _mine(document, "PC701") and not _mine(document, "PC716")


def test_the_detections_a_tflite_model_returns_are_read_from_its_flatbuffer(tmp_path):
    """The SSD TFLite models export_tflite_graph_tf2.py makes store no output shapes (TensorFlow 2.15's converter
    leaves them empty): max_detections is read from the options of their TFLite_Detection_PostProcess op.
    detection_postprocess_options.bin are those options as TensorFlow 2.15 wrote them for the zoo's SSD MobileNet
    V2 FPNLite 320 exported with max_detections 17; outputs_1x7x4.tflite is a graph TensorFlow's converter wrote
    with static outputs [1], [1, 7, 4] and [1, 7] (not a detector). The test writer's models are read the same way."""
    from pipecheck.artifacts.tflite import detections_returned, flexbuffer_int
    from pipecheck.testing.writers import flexbuffer_map_int, tflite_with_outputs

    data = REPO / "tests" / "data" / "tflite"
    assert flexbuffer_int((data / "detection_postprocess_options.bin").read_bytes(), b"max_detections") == 17
    assert flexbuffer_int((data / "detection_postprocess_options.bin").read_bytes(), b"num_classes") == 2
    assert flexbuffer_int(flexbuffer_map_int("max_detections", 23), b"max_detections") == 23
    assert detections_returned(data / "outputs_1x7x4.tflite") == 7
    written = tmp_path / "model.tflite"
    written.write_bytes(tflite_with_outputs([[], [], [], []], max_detections=12))
    assert detections_returned(written) == 12
    written.write_bytes(tflite_with_outputs([[1, 9, 4], [1, 9], [1]]))
    assert detections_returned(written) == 9
    written.write_bytes(b"TFL3 is not enough")
    assert detections_returned(written) is None


@pytest.mark.skipif(sys.platform == "win32", reason="TensorFlow's glob escapes with fnmatch on Linux and macOS")
def test_a_shell_escaped_space_in_input_path_finds_the_records_as_tensorflow_does(clean_project):
    """renotte-colab-ptit wrote input_path with `\\ ` (copied from a shell). dataset_builder globs input_path, and
    TensorFlow's glob matches with fnmatch, where a backslash escapes the next character: the records open (checked
    with TensorFlow 2.15: tf.io.gfile.glob('Năm\\\\ 4/train.record') finds 'Năm 4/train.record')."""
    training = clean_project / "faces_cubes" / "training"
    (training / "my data").mkdir()
    shutil.move(training / "train.record", training / "my data" / "train.record")
    _edit(
        clean_project,
        ("train_input_reader.tf_record_input_reader.input_path[0]", r'"faces_cubes/training/my\\ data/train.record"'),
    )
    _code, document = lint_json()
    assert not _mine(document, "PC202") and not _mine(document, "PC206"), document["findings"]
    assert "PC709" not in {u["rule"] for u in document["undecided"]}, document["undecided"]
