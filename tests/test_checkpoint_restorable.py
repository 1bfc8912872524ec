"""A checkpoint the OD API cannot restore is an error before training, saying why (issue 10, item 1)."""

from support.cli import lint_json, run_cli
from support.projects import NET, copy_example

from pipecheck.artifacts.checkpoint import read_checkpoint
from pipecheck.testing.writers import object_graph_for, write_checkpoint


def test_the_committed_example_says_its_checkpoint_is_a_stand_in(tmp_path, monkeypatch):
    root = copy_example(tmp_path / "tod_tf2")
    monkeypatch.chdir(root)
    code, document = lint_json()
    restorable = [f for f in document["findings"] if f["rule"] == "PC312"]
    assert code == 1 and [f["severity"] for f in restorable] == ["error"]
    assert "object graph is empty" in restorable[0]["message"] and "IndexError" in restorable[0]["message"]
    assert restorable[0]["field"] == "train_config.fine_tune_checkpoint"


def test_train_refuses_the_stand_in_before_starting_tensorflow(tmp_path, monkeypatch, capsys):
    root = copy_example(tmp_path / "tod_tf2")
    monkeypatch.chdir(root)
    code, out = run_cli("train", f"faces_cubes/training/{NET}", "--dry-run", "--ram", "16GiB")
    assert code == 1 and "PC312 error" in out
    assert "pipecheck train refused" in capsys.readouterr().err


def test_the_object_graph_is_read_as_tensorflow_writes_it(tmp_path):
    keys = {
        "model/_feature_extractor/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE": (3, 3, 3, 8),
        "model/_box_predictor/kernel/.ATTRIBUTES/VARIABLE_VALUE": (8, 4),
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE": (),
    }
    tensors = {key: ("float32", list(shape), b"\0" * 4 * max(1, _size(shape))) for key, shape in keys.items()}
    write_checkpoint(tmp_path / "ckpt-0", tensors, object_graph=object_graph_for(tensors))
    facts = read_checkpoint(tmp_path / "ckpt-0")
    assert facts.graph_nodes == 8  # root, model, _feature_extractor, its layer, _box_predictor, save_counter, 2 kernels
    assert facts.graph_variables == {
        "model": 2,
        "save_counter": 1,
        "model/_box_predictor": 1,
        "model/_feature_extractor": 1,
    }


def test_a_graph_linked_stand_in_passes(course_project):
    code, document = lint_json()
    assert not [f for f in document["findings"] if f["rule"] == "PC312"]
    assert "PC312" not in {u["rule"] for u in document["undecided"]}


def _size(shape):
    count = 1
    for size in shape:
        count *= size
    return count


def test_the_review_sign_off_does_not_say_the_stand_in_passed(tmp_path, monkeypatch):
    root = copy_example(tmp_path / "tod_tf2")
    monkeypatch.chdir(root)
    code, page = run_cli("review", f"faces_cubes/training/{NET}", "--ram", "16GiB", "--format", "markdown")
    checkpoint_line = next(line for line in page.splitlines() if "PC308" in line and "PC312" in line)
    assert "❌" in checkpoint_line, checkpoint_line  # not ✅: the stand-in cannot be restored
