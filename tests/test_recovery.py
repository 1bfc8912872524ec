"""A syntax error hides nothing else: the parse goes on, every error is reported, the rules run on what parsed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.cli import lint_json
from support.projects import CORPUS

from pipecheck.schema import load_schema
from pipecheck.textproto import parse_located

PIPELINE = load_schema(Path.cwd()).pipeline_class


def recovered(text: str):
    return parse_located(Path("pipeline.config"), text, PIPELINE, recover=True)


def test_a_value_pasted_inside_itself_is_deleted_not_made_a_field():
    located = recovered('train_config {\n  fine_tune_checkpoint: "a/ckpt-0"a/ckpt-0"\n  batch_size: 2\n}\n')
    [error] = located.errors
    assert (error.line, error.column) == (2, 35)
    assert 'delete a/ckpt-0"' in error.hint and 'fine_tune_checkpoint: "a/ckpt-0"' in error.hint
    assert located.message.train_config.batch_size == 2
    assert located.is_damaged("train_config.fine_tune_checkpoint")
    assert not located.is_damaged("train_config.batch_size")


def test_a_field_without_a_value_is_skipped_and_the_next_one_read():
    located = recovered("train_config {\n  num_steps:\n  batch_size: 2\n}\neval_config { num_examples: 5 }\n")
    [error] = located.errors
    assert error.line == 2 and "no value" in error.message
    assert located.message.train_config.batch_size == 2 and located.message.eval_config.num_examples == 5
    assert located.is_damaged("train_config.num_steps")


def test_a_missing_closing_brace_names_the_line_where_the_block_opened():
    text = "train_config {\n  optimizer {\n    use_moving_average: false\n  batch_size: 2\n}\neval_config {\n}\n"
    located = recovered(text)
    [error] = located.errors
    assert error.line == 4 and "opened at line 2" in error.hint
    assert located.message.train_config.batch_size == 2  # bound where it belongs, not lost
    assert located.message.HasField("eval_config")


def test_a_brace_missing_at_the_end_names_the_block_left_open():
    [error] = recovered("train_config {\n  batch_size: 2\n}\neval_config {\n  num_examples: 5\n").errors
    assert "eval_config { opened at line 4" in error.hint


def test_two_syntax_errors_are_both_reported():
    text = "train_config {\n  batch_size: 2 2\n  fine_tune_checkpoint: \u201cx/ckpt-0\u201d\n  num_stepz: 3\n}\n"
    located = recovered(text)
    assert [e.line for e in located.errors] == [2, 3, 4]
    assert "num_steps" in located.errors[2].hint  # did-you-mean survives the recovery


def test_the_strict_parse_still_raises_the_first_error():
    from pipecheck.textproto import TextProtoSyntaxError

    with pytest.raises(TextProtoSyntaxError) as raised:
        parse_located(Path("p.config"), "train_config {\n  num_steps:\n  batch_size: 2 2\n}\n", PIPELINE)
    assert raised.value.line == 2


# One syntax error of each common kind, placed in a block away from the label map path.
def _paste_inside_itself(text: str) -> str:
    return re.sub(r'(metrics_set: "([^"]+)")', r'\1\2"', text, count=1)


def _no_value(text: str) -> str:
    return re.sub(r"(\n\s*)num_steps: \d+", r"\1num_steps:", text, count=1)


def _misspelt(text: str) -> str:
    return re.sub(r"(\n\s*)batch_size:", r"\1batch_sise:", text, count=1)


def _unclosed_eval_config(text: str) -> str:
    start = re.search(r"\neval_config\s*:?\s*\{", text)
    end = text.index("\n}", start.end())
    return text[:end] + text[end + 2 :]


BREAKAGES = [_paste_inside_itself, _no_value, _misspelt, _unclosed_eval_config]
ZOO = sorted(CORPUS.glob("*.config")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("index", range(len(ZOO)), ids=[p.name for p in ZOO])
def test_a_second_mistake_in_a_zoo_config_is_reported_beside_its_syntax_error(index, tmp_path, monkeypatch):
    """Every zoo config, broken one of four ways, with a label map whose ids start at 0: PC001 and PC102 both."""
    path = ZOO[index]
    text = path.read_text()
    if "label_map_path" not in text or "eval_config" not in text:
        pytest.skip("no label_map_path or eval_config to break")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "label_map.pbtxt").write_text("item { id: 0 name: 'a' }\nitem { id: 1 name: 'b' }\n")
    text = re.sub(r'label_map_path: "[^"]*"', 'label_map_path: "label_map.pbtxt"', text)
    broken = BREAKAGES[index % len(BREAKAGES)](text)
    assert broken != text, "the breakage found nothing to break"
    (tmp_path / "pipeline.config").write_text(broken)
    code, document = lint_json(target="pipeline.config")
    rules = [finding["rule"] for finding in document["findings"]]
    assert code == 2 and document["summary"]["partial"]
    already = len(recovered(text).errors)  # a zoo config or two ship with an unquoted placeholder
    assert rules.count("PC001") == already + 1, document["findings"]
    assert "PC102" in rules, (broken, document["findings"])


def test_a_file_with_two_syntax_errors_and_a_rule_finding_reports_all_three(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "label_map.pbtxt").write_text("item { id: 0 name: 'a' }\n")
    (tmp_path / "pipeline.config").write_text(
        "train_config {\n  batch_size: 2\n  num_steps:\n}\n"
        'train_input_reader {\n  label_map_path: "label_map.pbtxt"\n  shuffle: true true\n}\n'
    )
    code, document = lint_json(target="pipeline.config")
    found = [(finding["rule"], finding["line"]) for finding in document["findings"]]
    assert ("PC001", 3) in found and ("PC001", 7) in found and ("PC102", 1) in found, found
    assert code == 2


def test_a_rule_does_not_decide_on_a_field_the_syntax_error_lost(tmp_path, monkeypatch):
    """num_steps: with no value is not num_steps 0: PC507 (num-steps-set) cannot decide."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.config").write_text("train_config {\n  batch_size: 2\n  num_steps:\n}\n")
    _code, document = lint_json(target="pipeline.config")
    assert "PC507" not in [finding["rule"] for finding in document["findings"]]
    assert any(u["rule"] == "PC507" and "num_steps" in u["reason"] for u in document["undecided"])


def test_text_left_after_the_last_block_is_one_error():
    """An editor's partial save leaves the tail of an older version after the last block: one error for all of it."""
    text = 'eval_config {\n  num_examples: 5\n}\ntion.pbtxt"\n  shuffle: false\n  }\n}\nin.record"\n'
    located = recovered(text)
    [error] = located.errors
    assert error.line == 4 and "lines 4-8" in error.hint
    assert located.message.eval_config.num_examples == 5 and not located.is_damaged("train_config.num_steps")


def test_a_closing_brace_too_many_is_one_error_and_what_it_cut_off_is_lost_not_defaulted():
    text = (
        "model {\n  faster_rcnn {\n    num_classes: 2 }}}\n    feature_extractor {\n      type: 'x'\n    }\n"
        "    first_stage_max_proposals: 10\n  }\n}\ntrain_config {\n  batch_size: 2\n}\n"
    )
    located = recovered(text)
    [error] = located.errors
    assert error.line == 3 and "lines 3-9" in error.hint
    assert located.message.train_config.batch_size == 2
    assert located.is_damaged("model.faster_rcnn.feature_extractor.type")  # not '' from the defaults


def test_a_field_lost_in_an_indexed_block_is_lost_whatever_index_the_rule_names():
    """An unknown field in eval_input_reader[0] may have been its records: PC203 and PC110 cannot decide there."""
    text = "eval_input_reader {\n  allegro_input_reader {\n    input_path: 'x'\n  }\n  shuffle: false\n}\n"
    located = recovered(text)
    assert located.is_damaged("eval_input_reader[0].tf_record_input_reader")
    assert located.is_damaged("eval_input_reader.label_map_path")
    assert not located.is_damaged("eval_input_reader[0].shuffle")  # written: it parsed
    assert not located.is_damaged("train_input_reader.label_map_path")


def test_one_unknown_field_in_two_blocks_is_one_finding_naming_both_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reader = "{\n  allegro_input_reader {\n    input_path: 'x'\n  }\n}\n"
    (tmp_path / "pipeline.config").write_text(f"train_input_reader {reader}eval_input_reader {reader}")
    _code, document = lint_json(target="pipeline.config")
    syntax = [f for f in document["findings"] if f["rule"] == "PC001"]
    assert [(f["line"], f["group"]) for f in syntax] == [(2, None), (7, "PC001")], syntax
    assert not {"PC203", "PC110"} & {f["rule"] for f in document["findings"]}


def test_a_value_written_again_unchanged_is_a_detail_and_a_changed_one_names_both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.config").write_text(
        "train_config {\n  batch_size: 2\n  batch_size: 2\n  num_steps: 5\n  num_steps: 7\n}\n"
    )
    _code, document = lint_json(target="pipeline.config")
    repeats = {f["field"]: f for f in document["findings"] if f["rule"] == "PC011"}
    assert repeats["train_config.batch_size"]["tier"] == "detail"
    kept = repeats["train_config.num_steps"]
    assert kept["tier"] == "default" and "the last one, 7, and ignores 5" in kept["message"], kept["message"]
