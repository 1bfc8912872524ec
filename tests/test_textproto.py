"""Located parsing: positions of every field, Merge's semantics, errors people can act on, in-place edits."""

from pathlib import Path

import pytest
from google.protobuf import text_format
from support.projects import CORPUS, EXAMPLE

from pipecheck.schema import load_schema
from pipecheck.textproto import TextProtoSyntaxError, parse_located
from pipecheck.textproto.edit import delete_field, set_value

SCHEMA = load_schema(Path.cwd())
PIPELINE = SCHEMA.pipeline_class
ZOO = EXAMPLE / "tod_tf2" / "pre-trained" / "faster_rcnn_resnet50_v1_640x640_coco17_tpu-8" / "pipeline.config"


def parse(text: str):
    return parse_located(Path("pipeline.config"), text, PIPELINE)


def syntax_error(text: str) -> TextProtoSyntaxError:
    with pytest.raises(TextProtoSyntaxError) as raised:
        parse(text)
    return raised.value


def test_every_field_path_has_its_line_and_column():
    located = parse(ZOO.read_text())
    assert located.location("model.faster_rcnn.num_classes") == (10, 5)
    assert located.location("train_config.fine_tune_checkpoint") == (113, 3)
    assert located.location("train_input_reader.tf_record_input_reader.input_path[0]") == (128, 5)
    assert located.location("eval_input_reader[0].label_map_path") == (139, 3)
    assert located.location("train_config.data_augmentation_options[0].random_horizontal_flip") == (116, 5)


def test_an_absent_field_points_at_its_closest_written_parent():
    located = parse(ZOO.read_text())
    assert located.location("train_input_reader.max_number_of_boxes") == (125, 1)


@pytest.mark.parametrize(
    "text",
    [
        "train_config { batch_size: 0x10 num_steps: 010 } model { ssd { num_classes: -0 } }",
        "train_config { use_bfloat16: t } eval_config { use_moving_averages: False }",
        "model { ssd { post_processing { batch_non_max_suppression { score_threshold: 1e-8 iou_threshold: .6 } } } }",
        "model { ssd { post_processing { batch_non_max_suppression { score_threshold: -inf iou_threshold: 1.5f } } } }",
        "train_config: { fine_tune_checkpoint: 'a' \"b\" fine_tune_checkpoint_version: 1; };",
        "eval_config < metrics_set: ['a', 'b'] >",
        "train_config { batch_size: 1 batch_size: 8 }",
        "train_config { data_augmentation_options { random_horizontal_flip {} ssd_random_crop {} } }",
        "train_config { batch_size: 1 } train_config { num_steps: 5 }",
        "model { center_net { keypoint_estimation_task { keypoint_label_to_std { key: 'nose' value: 0.3 } } } }",
        'train_input_reader { tf_record_input_reader { input_path: "C:\\\\data\\\\x" } }',
    ],
)
def test_the_message_is_the_one_text_format_merge_builds(text):
    assert parse(text).message == text_format.Merge(text, PIPELINE())


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.config")) if CORPUS.is_dir() else [], ids=lambda p: p.name)
def test_every_zoo_config_parses_like_merge_or_gives_a_clean_syntax_error(path):
    text = path.read_text()
    try:
        expected = text_format.Merge(text, PIPELINE())
    except text_format.ParseError as merge_error:
        error = syntax_error(text)
        assert (error.line, error.column) == (
            merge_error.GetLine(),
            merge_error.GetColumn(),
        ) or "extension" in error.message, (error.line, error.column, error.message, str(merge_error))
        assert error.hint
    else:
        assert parse(text).message == expected


def test_unknown_field_gets_a_did_you_mean():
    error = syntax_error("model { faster_rcnn { num_clases: 2 } }")
    assert (error.line, error.column) == (1, 23)
    assert error.hint == "did you mean num_classes?"


def test_a_field_in_the_wrong_block_names_its_home():
    error = syntax_error("train_config { num_classes: 2 }")
    assert "model.faster_rcnn" in error.hint or "model.ssd" in error.hint


def test_a_missing_closing_brace_is_reported_at_the_end():
    error = syntax_error("train_config {\n  batch_size: 1\n")
    assert "missing" in error.hint and error.line == 3


def test_typographic_quotes_get_a_specific_hint():
    error = syntax_error("train_config {\n  fine_tune_checkpoint: \u201cpre-trained/x/ckpt-0\u201d\n}")
    assert (error.line, error.column) == (2, 25)
    assert "straight quotes" in error.hint


def test_mismatched_quotes_are_named():
    error = syntax_error(
        "eval_input_reader { tf_record_input_reader { input_path: 'faces_cubes/training/test.record\" } }"
    )
    assert "opens with ' and closes with \"" in error.hint


def test_an_unquoted_windows_path_is_reported_at_its_value():
    error = syntax_error("train_input_reader { tf_record_input_reader { input_path: D:\\data\\train.record } }")
    assert error.column == 59 and "quote" in error.hint


def test_an_invalid_escape_points_to_forward_slashes():
    error = syntax_error('train_config { fine_tune_checkpoint: "C:\\Users\\me\\ckpt-0" }')
    assert "forward" in error.hint or "with /" in error.hint


def test_wrong_value_types_say_what_to_write():
    assert "whole number: write 2" in syntax_error("model { ssd { num_classes: 2.0 } }").hint
    assert syntax_error("train_config { fine_tune_checkpoint_version: v2 }").hint == "did you mean V2?"
    assert "remove the quotes" in syntax_error('train_config { use_bfloat16: "false" }').hint


def test_duplicates_and_overwritten_choices_are_noted():
    located = parse(
        "train_config { batch_size: 64\n batch_size: 8 data_augmentation_options {"
        " random_horizontal_flip {} ssd_random_crop {} } }"
    )
    kinds = {(note.kind, note.path) for note in located.notes}
    assert ("duplicate", "train_config.batch_size") in kinds
    assert ("oneof", "train_config.data_augmentation_options[0].preprocessing_step") in kinds
    assert located.message.train_config.batch_size == 8


def test_set_value_replaces_in_place_and_keeps_comments():
    text = ZOO.read_text()
    edited = set_value(parse(text), "train_config.use_bfloat16", "false")
    assert "  use_bfloat16: false  # works only on TPUs\n" in edited
    assert len(edited.splitlines()) == len(text.splitlines())


def test_set_value_adds_missing_blocks_indented_like_their_neighbours():
    text = ZOO.read_text()
    edited = set_value(parse(text), "train_input_reader.max_number_of_boxes", "4")
    assert "train_input_reader: {\n  label_map_path" in edited
    assert "  max_number_of_boxes: 4\n}" in edited
    assert parse(edited).message.train_input_reader.max_number_of_boxes == 4
    nested = set_value(parse(text), "eval_input_reader[0].tf_record_input_reader.input_path[1]", '"b.record"')
    assert list(parse(nested).message.eval_input_reader[0].tf_record_input_reader.input_path)[-1] == "b.record"


def test_delete_removes_the_whole_line():
    text = ZOO.read_text()
    edited = delete_field(parse(text), "train_config.sync_replicas")
    assert "sync_replicas" not in edited
    assert len(edited.splitlines()) == len(text.splitlines()) - 1


@pytest.mark.parametrize(
    "text, line",
    [
        ("train_config {\n  batch_size:\n  optimizer { }\n}\n", 2),
        ("train_config {\n  batch_size:\n  num_steps: 10\n}\n", 2),
        ("train_config {\n  batch_size:\n}\n", 2),
        ("train_config {\n  num_steps: 10\n  batch_size:", 3),
    ],
)
def test_a_field_without_a_value_is_named_at_its_own_line(text, line):
    error = syntax_error(text)
    assert (error.line, error.message) == (line, "batch_size has no value")


def test_a_value_on_the_next_line_is_still_a_value():
    text = 'train_config {\n  fine_tune_checkpoint:\n    "a/ckpt-0"\n  fine_tune_checkpoint_version:\n    V2\n}\n'
    assert parse(text).message == text_format.Merge(text, PIPELINE())
