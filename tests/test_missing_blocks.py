"""No rule may crash on a config missing a whole top-level block (issue 22).

Each of the 47 TF2 zoo configs is linted as the course project's config, its paths pointed at the
project's checkpoint, label map and records (so the rules that read them run), with each of
`model`, `train_config`, `train_input_reader`, `eval_config` and `eval_input_reader` removed in
turn, once as written and once with fine_tune_checkpoint_type "full": every rule runs, decides or
says it cannot; none crashes (a crashed outcome, or an exception that would be exit 3). Two zoo
files write `PATH_TO_BE_CONFIGURED` unquoted, a syntax error that would stop the lint before any
rule runs: it is quoted first, as a user would. One reads Google-internal records through an
extension the public protos lack: that is a clean PC001 (exit 2) until its readers are removed.
"""

import re
import shutil
from pathlib import Path

import pytest
from support.projects import CONFIG, CORPUS, NET, REPO

from pipecheck.engine.runner import RunOptions, run
from pipecheck.textproto.syntax import parse_document
from pipecheck.textproto.tokens import SourceText, tokenize

BLOCKS = ("model", "train_config", "train_input_reader", "eval_config", "eval_input_reader")
ZOO = sorted(CORPUS.glob("*.config")) if CORPUS.is_dir() else []


def without(text: str, block: str) -> str:
    """The text with every top-level field named `block` cut out (its comments inside go with it)."""
    source = SourceText(text)
    document = parse_document(source, tokenize(source)[0])
    for node in sorted((n for n in document.fields if n.name == block), key=lambda n: n.start, reverse=True):
        text = text[: node.start] + text[node.end :]
    return text


def in_the_project(text: str) -> str:
    """The zoo config with its placeholders quoted and its paths naming the course project's files."""
    text = text.replace(": PATH_TO_BE_CONFIGURED", ': "PATH_TO_BE_CONFIGURED"')
    source = SourceText(text)
    readers = [n.start for n in parse_document(source, tokenize(source)[0]).fields if n.name == "eval_input_reader"]
    first_eval = min(readers, default=len(text))

    def record(match: re.Match) -> str:
        name = "train.record" if match.start() < first_eval else "test.record"
        return f'input_path: "faces_cubes/training/{name}"'

    text = re.sub(r'input_path: "[^"]*"', record, text)
    text = re.sub(r'label_map_path: "[^"]*"', 'label_map_path: "faces_cubes/training/label_map.pbtxt"', text)
    return re.sub(
        r'fine_tune_checkpoint: "[^"]*"', f'fine_tune_checkpoint: "pre-trained/{NET}/checkpoint/ckpt-0"', text
    )


def variants(text: str):
    """(what was changed, text) for each block removed, as written and with a "full" restore."""
    full = re.sub(r'fine_tune_checkpoint_type: "\w*"', 'fine_tune_checkpoint_type: "full"', text)
    for block in BLOCKS:
        yield f"without {block}", without(text, block)
        yield f"without {block}, full restore", without(full, block)


def lint(project, text: str):
    return run(RunOptions(target=project / CONFIG, config_text=text, ram="16GiB", plugins=False))


@pytest.fixture(scope="module")
def project(clean_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("missing-blocks") / "project"
    shutil.copytree(clean_template, root)
    return root


def test_without_cuts_the_block_and_nothing_else():
    text = 'model { ssd { num_classes: 2 } }\ntrain_config { batch_size: 1 }  # "}"\neval_input_reader { }\n'
    assert without(text, "train_config") == 'model { ssd { num_classes: 2 } }\n  # "}"\neval_input_reader { }\n'
    assert without(text, "eval_input_reader").rstrip() == text.split("\neval_input_reader")[0]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("zoo", ZOO, ids=lambda p: p.name)
def test_no_rule_crashes_on_a_config_missing_a_block(zoo, project, monkeypatch):
    monkeypatch.chdir(project)
    whole = in_the_project(zoo.read_text())
    unreadable = lint(project, whole).fatal
    crashed = []
    for change, text in variants(whole):
        result = lint(project, text)
        if result.fatal:  # the rules still ran on what parsed (issue 18): none may crash there either
            assert unreadable and "PC001" in [f.rule for f in result.findings], f"{change}: {result.findings}"
        crashed += [f"{change}: {o.rule.code} {o.reason}" for o in result.outcomes if o.ended == "crashed"]
    assert not crashed, "\n".join(crashed)


def _loaded(text: str):
    from pipecheck.artifacts.pipeline_config import load_pipeline_config
    from pipecheck.schema import load_schema

    return load_pipeline_config(Path("pipeline.config"), load_schema(REPO).pipeline_class, text)


def test_the_config_knows_its_fields_and_says_none_without_their_block():
    empty = _loaded("")
    assert [empty.has(block) for block in BLOCKS] == [False] * 5
    assert (empty.num_classes, empty.num_classes_field, empty.batch_size, empty.num_steps) == (None,) * 4
    assert (empty.train_config, empty.train_reader, empty.eval_config, empty.learning_rate()) == (None,) * 4
    written = _loaded(
        "model { ssd { num_classes: 3 } } train_config { num_steps: 500 optimizer { momentum_optimizer {"
        " learning_rate { cosine_decay_learning_rate { total_steps: 500 } } } } } eval_input_reader { }"
    )
    assert (written.num_classes, written.num_classes_field) == (3, "model.ssd.num_classes")
    assert (written.batch_size, written.num_steps) == (32, 500)  # the proto's default batch, as the OD API reads it
    assert written.has("eval_input_reader") and not written.has("eval_config")
    assert written.learning_rate("cosine_decay_learning_rate")[0].endswith("cosine_decay_learning_rate")
    assert written.learning_rate("manual_step_learning_rate") is None
