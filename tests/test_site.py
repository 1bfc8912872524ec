"""The documentation site: its generated pages are fresh, one per rule and per command, and show config text."""

import importlib.util
import json
import re
import sys

import pytest
from support.projects import REPO

from pipecheck import i18n
from pipecheck.engine.discovery import discover
from pipecheck.testing.example_text import config_text, example_markdown, pretty_textproto
from pipecheck.testing.examples import Example, examples_of


def _load(name):
    spec = importlib.util.spec_from_file_location(f"{name}_for_site", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


regenerate = _load("regenerate")
site_pages = _load("site_pages")
RULES = discover([], plugins=False).rules


@pytest.fixture(scope="module")
def generated():
    catalogue, _problems = regenerate.updated_catalogue()
    return regenerate.site_pages(catalogue)


def test_the_generated_pages_are_fresh(generated):
    outputs, orphans, missing = generated
    stale = [
        str(path.relative_to(REPO)) for path, data in outputs.items() if not path.is_file() or path.read_bytes() != data
    ]
    assert not stale and not orphans and not missing, (
        f"stale: {stale}, orphans: {orphans}, {missing}: run python scripts/regenerate.py"
    )


def test_every_rule_has_its_own_page_linked_from_the_index():
    index = (REPO / "docs" / "rules" / "index.md").read_text()
    for spec in RULES:
        page = REPO / "docs" / "rules" / f"{spec.code}.md"
        assert page.is_file(), spec.code
        assert f"[{spec.code}]({spec.code}.md)" in index
        assert f"# {spec.code} {spec.name}" in page.read_text()


def test_every_command_has_its_page_in_the_nav():
    from pipecheck.cli.main import COMMANDS

    nav = (REPO / "mkdocs.yml").read_text()
    for command in COMMANDS:
        assert (REPO / "docs" / "commands" / f"{command}.md").is_file(), command
        assert f"commands/{command}.md" in nav, command


def test_rule_pages_show_config_text_not_the_harness_steps():
    """Issue 21: the reference showed `standin … empty-graph` and `expect …` instead of config text."""
    harness = re.compile(r"^(standin|expect|record|corrupt|truncate|gzip|option|base|append:|text:|file) ", re.M)
    for spec in RULES:
        page = (REPO / "docs" / "rules" / f"{spec.code}.md").read_text()
        assert not harness.search(page), (spec.code, harness.search(page))
    pc101 = (REPO / "docs" / "rules" / "PC101.md").read_text()
    assert "model {\n  faster_rcnn {\n    num_classes: 1\n  }\n}" in pc101
    pc312 = (REPO / "docs" / "rules" / "PC312.md").read_text()
    assert "a checkpoint whose object graph is empty" in pc312 and "empty-graph" not in pc312


def test_a_rule_page_has_its_why_catalogue_entry_and_od_api_source():
    page = (REPO / "docs" / "rules" / "PC101.md").read_text()
    assert "## Why\n\nThe OD API never compares them." in page
    assert "[L-01 `num_classes-smaller-than-label-map`](../failure-catalogue.md#l-01)" in page
    assert "`model_lib_v2.py:780-781`" in page  # cited by catalogue entry L-01
    pc402 = (REPO / "docs" / "rules" / "PC402.md").read_text()
    assert "## Command-line options that change its answer" in pc402 and "`--ram SIZE`" in pc402
    assert "## Options\n\nSet in `[tool.pipecheck.rule-options.PC402]`" in pc402 and "* `ram_margin = 0.15`" in pc402


def test_field_edits_become_one_nested_block():
    text = config_text(
        [
            "train_config.batch_size: 4",
            "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps: 100",
            "delete train_config.fine_tune_checkpoint",
            "train_config.data_augmentation_options[1].random_adjust_brightness.max_delta: 0.2",
        ]
    )
    assert text.splitlines() == [
        "train_config {",
        "  batch_size: 4",
        "  optimizer {",
        "    momentum_optimizer {",
        "      learning_rate {",
        "        cosine_decay_learning_rate {",
        "          warmup_steps: 100",
        "        }",
        "      }",
        "    }",
        "  }",
        "  # no fine_tune_checkpoint: the line is removed",
        "  data_augmentation_options {  # the second data_augmentation_options",
        "    random_adjust_brightness {",
        "      max_delta: 0.2",
        "    }",
        "  }",
        "}",
    ]


def test_a_comment_step_joins_the_value_it_follows():
    text = config_text(["model.ssd.num_classes: 90", "comment model.ssd.num_classes: # pipecheck: ignore[PC101]"])
    assert "    num_classes: 90  # pipecheck: ignore[PC101]" in text.splitlines()


def test_one_line_text_format_is_laid_out():
    assert pretty_textproto("item { id: 1 name: 'a b' } item { id: 2 name: \"c\" }").splitlines() == [
        "item {",
        "  id: 1",
        "  name: 'a b'",
        "}",
        "item {",
        "  id: 2",
        '  name: "c"',
        "}",
    ]


def test_files_damage_and_options_are_said_in_words():
    example = Example(
        "bad",
        "",
        [
            "file faces_cubes/training/label_map.pbtxt: item { id: 0 name: 'one' }",
            "record faces_cubes/training/train.record 0 image/encoded=@cut:2000 del:image/format",
            "truncate faces_cubes/training/test.record 100",
        ],
        options=["--ram", "8GiB"],
    )
    shown = example_markdown(example)
    assert '```text title="faces_cubes/training/label_map.pbtxt"\nitem {\n  id: 0\n' in shown
    assert "`image/encoded` cut to its first 2000 bytes, without `image/format`." in shown
    assert "`faces_cubes/training/test.record` cut short by its last 100 bytes." in shown
    assert "Linted with `pipecheck --ram 8GiB`." in shown


def test_a_step_the_page_cannot_say_stops_the_generation():
    """A new harness verb must be taught to example_text.py, never shown raw on a page."""
    with pytest.raises(ValueError, match="unfold"):
        example_markdown(Example("bad", "", ["unfold faces_cubes/training/train.record"]))
    for spec in RULES:
        for example in examples_of(spec.function):
            assert example_markdown(example)


def test_the_measured_page_comes_from_every_results_file():
    page = (REPO / "docs" / "measured.md").read_text()
    for path in sorted((REPO / "benchmarks" / "results").glob("*.json")):
        result = json.loads(path.read_text())
        assert set(result) >= {"benchmark", "date", "machine", "load", "figures", "summary"}, path.name
        assert re.match(r"^\d{4}-\d{2}-\d{2}", result["date"]), path.name
        assert f"## {result['benchmark']}\n\nMeasured {result['date']}" in page


def test_the_measured_page_says_the_load(tmp_path):
    (tmp_path / "x.json").write_text(
        json.dumps(
            {
                "benchmark": "x",
                "date": "2026-12-07T05:00:00+00:00",
                "machine": {"cores": 2, "ram": "23.4 GiB", "python": "3.11.9"},
                "load": [3.5, 2.0, 1.25],
                "figures": {"ratio": 1.5},
                "summary": ["ratio 1.5"],
            }
        )
    )
    page = site_pages.measured_page(tmp_path)
    assert (
        "Measured 2026-12-07T05:00:00+00:00 on 2 cores, 23.4 GiB of RAM, Python 3.11.9; load 3.50 / 2.00 / 1.25" in page
    )
    assert "ratio 1.5\n" in page and "| `ratio` | 1.5 |" in page


@pytest.mark.parametrize(
    "page, language",
    [("index.md", "en"), ("getting-started.md", "en"), ("fr/index.md", "fr")],
)
def test_the_pages_demos_are_what_the_example_prints(page, language, tmp_path, monkeypatch):
    """Each line of a page's output block (but "..." lines) is in what the example prints, in its language."""
    from support.cli import run_cli
    from support.projects import NET, copy_example

    monkeypatch.chdir(copy_example(tmp_path / "tod_tf2"))
    monkeypatch.setenv("COLUMNS", "100")
    previous = i18n.language()
    try:
        code, out = run_cli("--lang", language, f"faces_cubes/training/{NET}")
    finally:
        i18n.set_language(previous)  # the CLI sets the process's language; later tests expect theirs
    printed = out.splitlines()
    blocks = re.findall(r"```\n(.*?)```", (REPO / "docs" / page).read_text(), re.S)
    shown = [
        line
        for block in blocks
        if ": PC5" in block or ": PC3" in block
        for line in block.splitlines()
        if "..." not in line and not line.startswith("$ ")
    ]
    assert len(shown) > 3
    for line in shown:
        assert line in printed, line


def test_regenerate_names_a_catalogue_entry_it_cannot_write():
    from types import SimpleNamespace

    from pipecheck.report.rule_docs import catalogue_entries

    rule = SimpleNamespace(code="PC199", doc="Summary.\n\nCatalogue: L-01, Z-99\n")
    shipped = '<a id="l-01"></a>\n**L-01 `x`**.'
    assert regenerate.missing_catalogue_entries([rule], shipped, catalogue_entries) == [
        'PC199 names catalogue entry Z-99: add it to docs/failure-catalogue.md with its anchor <a id="z-99"></a>'
    ]


def test_the_last_catalogue_entry_does_not_take_the_sources_of_the_section_after_it():
    text = (
        '<a id="u-01"></a>\n**U-01 `one`**. First.\n* Symptom: `a/b.py:1-2`.\n\n'
        "---\n\n### Most common\n* `model_builder.py:312`\n"
    )
    assert site_pages.catalogue_entries(text)["U-01"][2] == ["a/b.py:1-2"]
