"""Every rule's Bad and Good examples (from its docstring) run against the clean course project."""

import pytest
from conftest import lint_json
from support.rule_examples import apply_example, examples_of, targets

from pipecheck.engine.discovery import discover

RULES = discover([], plugins=False).rules
CASES = [
    pytest.param(spec, example, id=f"{spec.code}-{example.kind}{'-' + example.label if example.label else ''}")
    for spec in RULES
    for example in examples_of(spec.function)
]


def test_every_rule_has_a_bad_and_a_good_example():
    missing = [
        spec.code for spec in RULES if {"bad", "good"} - {example.kind for example in examples_of(spec.function)}
    ]
    assert not missing, f"rules without both a Bad and a Good example: {missing}"


def test_every_good_example_is_the_counterpart_of_a_bad_one():
    """A Good example that edits something no Bad example touches shows nothing about the rule."""
    vacuous = []
    for spec in RULES:
        examples = examples_of(spec.function)
        bad_targets = set().union(*(targets(e) for e in examples if e.kind == "bad"))
        for example in examples:
            if example.kind == "good" and spec.meta is None and not targets(example) & bad_targets:
                vacuous.append(f"{spec.code} Good ({example.label or 'unlabelled'}) touches {sorted(targets(example))}")
    assert not vacuous, vacuous


@pytest.mark.parametrize("spec, example", CASES)
def test_rule_example(spec, example, clean_project):
    apply_example(clean_project, example)
    code, document = lint_json(*example.options, target=example.config)
    # A rule may add notes below its own severity (PC402 says how much RAM a good batch needs);
    # a good example has nothing at the rule's severity, a bad one has something there.
    rank = ("info", "warning", "error")
    mine = [
        f
        for f in document["findings"]
        if f["rule"] == spec.code and rank.index(f["severity"]) >= rank.index(spec.severity)
    ]
    undecided = {u["rule"]: u["reason"] for u in document["undecided"]}
    if example.kind == "good":
        assert not mine, mine
        assert spec.code not in undecided, undecided.get(spec.code)
        assert code == 0, document["findings"]
    elif example.kind == "undecided":
        assert spec.code in undecided and not mine
    else:
        assert mine, f"{spec.code} found nothing; undecided: {undecided.get(spec.code)}; others: {document['findings']}"
        if example.expect_field:
            assert example.expect_field in {f["field"] for f in mine}, mine
        if example.expect_file:
            assert any(f["file"].endswith(example.expect_file) for f in mine), mine
        expected_exit = 2 if spec.code == "PC001" else 1 if spec.severity == "error" else None
        if expected_exit is not None:
            assert code == expected_exit, document["findings"]
