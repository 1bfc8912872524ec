"""Class exposure: boxes × epochs per class, in the rule (PC718) and in the review's numbers."""

import html

from support.cli import run_cli
from support.projects import NET

from pipecheck.artifacts.records import FileRecords
from pipecheck.engine.artifact_fixtures import ReaderRecords
from pipecheck.odapi.exposure import class_exposure


def reader(images: int, boxes: dict[str, int]) -> ReaderRecords:
    facts = FileRecords(
        path="train.record", offsets=list(range(images)), class_text={name: [count, 0] for name, count in boxes.items()}
    )
    return ReaderRecords("train_input_reader", [facts], [0])


def test_each_class_is_seen_its_boxes_times_the_epochs():
    exposure = class_exposure(reader(16, {"one": 15, "two": 20}), batch_size=2, num_steps=40)
    assert exposure.images_seen == 80 and exposure.epochs == 5.0
    assert [(c.name, c.boxes, c.views) for c in exposure.classes] == [("one", 15, 75.0), ("two", 20, 100.0)]


def test_a_label_map_class_without_boxes_is_never_seen_and_no_records_is_no_answer():
    exposure = class_exposure(reader(10, {"one": 3}), 1, 5, names=["one", "three"])
    assert [(c.name, c.views) for c in exposure.classes] == [("three", 0.0), ("one", 1.5)]
    assert class_exposure(reader(0, {}), 1, 5) is None and class_exposure(None, 1, 5) is None


def test_the_rule_gives_its_working_and_the_steps_needed(course_project):
    config = course_project / f"faces_cubes/training/{NET}/pipeline.config"
    config.write_text(config.read_text().replace("num_steps: 1000", "num_steps: 20"))
    code, out = run_cli("check", f"faces_cubes/training/{NET}", "--select", "PC718", "--ram", "16GiB")
    assert "PC718 warning num_steps: 2 classes are seen fewer than 100 times in training" in out
    assert "one 19 (15 boxes), two 25 (20 boxes) (1 × 20 steps / 16 images = 1.2 epochs)" in out
    assert "write num_steps: 107 (for 'one' to be seen 100 times)" in out


def test_the_review_shows_each_class_exposure_with_its_working(course_project):
    code, out = run_cli("review", f"faces_cubes/training/{NET}", "--ram", "8GiB")
    out = html.unescape(out)
    assert code == 0
    assert "Times 'one' is seen" in out and "15 training boxes × 62.5 epochs" in out
